package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.Group;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.PublicAccessBlockConfiguration;

/** Applies the baseline to an emulated organization (moto), re-applies it, then changes the config. */
class ApplyAccountsIT {
    private Clients clients;
    private OrgConfig config;
    private RunState.Org org;
    private ApplyAccounts phase;

    @BeforeEach
    void organization() {
        clients = Emulator.clients();
        config = Emulator.config("aa" + UUID.randomUUID().toString().substring(0, 8));
        org = Emulator.accounts(clients, config);
        phase = new ApplyAccounts(clients, (task, accountId) -> Emulator.orgAccess(clients, accountId));
    }

    /** As the state machine does: identity first, then every member (management included). */
    private Map<String, AccountReport> applyAll(OrgConfig withConfig) {
        Map<String, AccountReport> reports = new LinkedHashMap<>();
        for (RunState.Target target : org.targets()) {
            reports.put(target.key(), phase.apply(new AccountTask(target, withConfig, org,
                    new RunState.TempAdmin(null, null, null, null, null), new RunState.Run("it", null))));
        }
        return reports;
    }

    private IamClient iam(String accountId) {
        return clients.build(IamClient.builder(), Emulator.orgAccess(clients, accountId));
    }

    private String id(String key) {
        return ApplyAccounts.accountIdOf(new AccountTask(org.identity(), config, org, null, null), key);
    }

    private String roleArn(String key, String role) {
        return "arn:aws:iam::" + id(key) + ":role/" + role;
    }

    private static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }

    private static List<String> groupsOf(IamClient iam, String user) {
        return iam.listGroupsForUser(r -> r.userName(user)).groups().stream().map(Group::groupName).toList();
    }

    private static JsonNode groupPolicy(IamClient iam, String group, String policy) {
        return PolicyDocuments.parse(iam.getGroupPolicy(r -> r.groupName(group).policyName(policy)).policyDocument());
    }

    @Test
    void apply_whenIdentityThenMembers_buildsTheBaselineAndReapplyChangesNothing() {
        Map<String, AccountReport> first = applyAll(config);

        String identity = id("infosec");
        IamClient infosec = iam(identity);
        // password policy
        PasswordPolicy pp = infosec.getAccountPasswordPolicy().passwordPolicy();
        assertThat(pp.minimumPasswordLength()).isEqualTo(14);
        assertThat(pp.requireSymbols()).isTrue();
        assertThat(pp.requireNumbers()).isTrue();
        assertThat(pp.requireUppercaseCharacters()).isTrue();
        assertThat(pp.requireLowercaseCharacters()).isTrue();
        assertThat(pp.passwordReusePrevention()).isEqualTo(24);
        assertThat(pp.maxPasswordAge()).isEqualTo(90);
        assertThat(pp.allowUsersToChangePassword()).isTrue();
        // groups grant exactly the configured roles
        JsonNode admins = groupPolicy(infosec, "InfosecAdmins", Directory.ASSUME_ROLES_POLICY);
        assertThat(texts(admins.at("/Statement/0/Action"))).containsExactly("sts:AssumeRole");
        assertThat(texts(admins.at("/Statement/0/Resource"))).containsExactly(roleArn("infosec", "Administrator"));
        assertThat(texts(groupPolicy(infosec, "NonProdDevelopers", Directory.ASSUME_ROLES_POLICY)
                .at("/Statement/0/Resource"))).containsExactly(roleArn("non-prod", "Developer"));
        assertThat(texts(groupPolicy(infosec, "MasterBilling", Directory.ASSUME_ROLES_POLICY)
                .at("/Statement/0/Resource"))).containsExactly("arn:aws:iam::" + org.managementAccountId()
                + ":role/Billing");
        JsonNode selfService = groupPolicy(infosec, Directory.ALL_USERS, Directory.SELF_SERVICE_POLICY);
        assertThat(selfService.findValuesAsText("Sid")).contains("AllowManageOwnUserMFA", "DenyAllExceptListedIfNoMFA");
        assertThat(selfService.toString()).contains("${aws:username}");
        // users and memberships
        assertThat(groupsOf(infosec, "ExampleAdmin")).containsExactlyInAnyOrder(Directory.ALL_USERS, "InfosecAdmins",
                "ProdAdmins", "NonProdAdmins");
        assertThat(groupsOf(infosec, "ExampleDeveloper")).containsExactlyInAnyOrder(Directory.ALL_USERS,
                "ProdDevelopers", "NonProdDevelopers");
        assertThat(groupsOf(infosec, "ExampleBilling")).containsExactlyInAnyOrder(Directory.ALL_USERS, "MasterBilling");
        assertThat(infosec.listUserTags(r -> r.userName("ExampleAdmin")).tags())
                .anyMatch(t -> t.key().equals(ApplyAccounts.MANAGED_TAG) && t.value().equals("true"));
        // roles: only the identity account, only with MFA, with the configured policy
        IamClient prod = iam(id("prod"));
        Role developer = prod.getRole(r -> r.roleName("Developer")).role();
        JsonNode trust = PolicyDocuments.parse(developer.assumeRolePolicyDocument());
        assertThat(trust.at("/Statement/0/Principal/AWS").asText()).isEqualTo("arn:aws:iam::" + identity + ":root");
        assertThat(PolicyDocuments.requiresMfa(trust)).isTrue();
        assertThat(developer.maxSessionDuration()).isEqualTo(3600);
        assertThat(attached(prod, "Developer")).containsExactly("arn:aws:iam::aws:policy/PowerUserAccess");
        assertThat(attached(prod, "Administrator")).containsExactly("arn:aws:iam::aws:policy/AdministratorAccess");
        assertThat(attached(infosec, "Administrator")).containsExactly("arn:aws:iam::aws:policy/AdministratorAccess");
        assertThat(attached(iam(org.managementAccountId()), "Billing"))
                .containsExactly("arn:aws:iam::aws:policy/job-function/Billing");
        assertThat(first.get("management").roles()).extracting(AccountReport.Role::name).containsExactly("Billing");
        // aliases, not on management
        assertThat(infosec.listAccountAliases().accountAliases()).containsExactly(config.aliasOf("infosec"));
        assertThat(prod.listAccountAliases().accountAliases()).containsExactly(config.aliasOf("prod"));
        assertThat(first.get("management").alias()).isNull();
        // the central bucket
        String bucket = ApplyAccounts.trailBucket(config.organization().name(), identity);
        S3Client s3 = clients.s3(Emulator.orgAccess(clients, identity));
        assertThat(s3.getBucketVersioning(r -> r.bucket(bucket)).status()).isEqualTo(BucketVersioningStatus.ENABLED);
        assertThat(s3.getBucketEncryption(r -> r.bucket(bucket)).serverSideEncryptionConfiguration().rules())
                .isNotEmpty();
        assertThat(s3.getPublicAccessBlock(r -> r.bucket(bucket)).publicAccessBlockConfiguration())
                .extracting(PublicAccessBlockConfiguration::blockPublicAcls, PublicAccessBlockConfiguration::ignorePublicAcls,
                        PublicAccessBlockConfiguration::blockPublicPolicy,
                        PublicAccessBlockConfiguration::restrictPublicBuckets)
                .containsOnly(true);
        JsonNode bucketPolicy = Json.read(s3.getBucketPolicy(r -> r.bucket(bucket)).policy(), JsonNode.class);
        assertThat(bucketPolicy.findValuesAsText("Sid")).contains("DenyInsecureTransport");
        for (RunState.Target t : org.targets()) {
            assertThat(bucketPolicy.findValuesAsText("Resource"))
                    .contains("arn:aws:s3:::" + bucket + "/AWSLogs/" + t.accountId() + "/*");
            assertThat(bucketPolicy.toString()).contains("arn:aws:cloudtrail:" + clients.region().id() + ":"
                    + t.accountId() + ":trail/" + ApplyAccounts.TRAIL_NAME);
        }
        // a trail everywhere, into that bucket, logging
        for (RunState.Target t : org.targets()) {
            CloudTrailClient ct = clients.build(CloudTrailClient.builder(), Emulator.orgAccess(clients, t.accountId()));
            Trail trail = ct.getTrail(r -> r.name(ApplyAccounts.TRAIL_NAME)).trail();
            assertThat(trail.s3BucketName()).as(t.key()).isEqualTo(bucket);
            assertThat(trail.isMultiRegionTrail()).as(t.key()).isTrue();
            assertThat(trail.logFileValidationEnabled()).as(t.key()).isTrue();
            assertThat(trail.includeGlobalServiceEvents()).as(t.key()).isTrue();
            assertThat(ct.getTrailStatus(r -> r.name(ApplyAccounts.TRAIL_NAME)).isLogging()).as(t.key()).isTrue();
            assertThat(first.get(t.key()).changes()).as(t.key()).isNotEmpty();
        }

        Map<String, AccountReport> second = applyAll(config);

        second.forEach((key, report) -> assertThat(report.changes()).as(key).isEmpty());
        assertThat(second.get("infosec").users()).isEqualTo(first.get("infosec").users());
    }

    @Test
    void apply_whenConfigChanges_converges() {
        applyAll(config);
        List<OrgConfig.Group> groups = config.groups().stream().filter(g -> !g.name().equals("MasterBilling")).toList();
        OrgConfig changed = new OrgConfig(config.organization(), config.identityAccount(), config.accounts(),
                config.roles(), groups,
                List.of(new OrgConfig.User("ExampleAdmin", List.of("InfosecAdmins", "ProdAdmins", "NonProdAdmins")),
                        new OrgConfig.User("ExampleDeveloper", List.of("ProdDevelopers")),
                        new OrgConfig.User("ExampleAuditor", List.of("InfosecAdmins"))),
                new OrgConfig.PasswordPolicy(16, true, true, true, true, 24, 90, true), config.alerts());

        Map<String, AccountReport> third = applyAll(changed);

        IamClient infosec = iam(id("infosec"));
        assertThat(groupsOf(infosec, "ExampleDeveloper")).containsExactlyInAnyOrder(Directory.ALL_USERS,
                "ProdDevelopers");
        assertThat(groupsOf(infosec, "ExampleAuditor")).containsExactlyInAnyOrder(Directory.ALL_USERS,
                "InfosecAdmins");
        // dropped from the config: kept, but in no Palisade group
        assertThat(groupsOf(infosec, "ExampleBilling")).isEmpty();
        assertThat(third.get("infosec").retired()).containsExactly("ExampleBilling");
        assertThat(infosec.getUser(r -> r.userName("ExampleBilling")).user()).isNotNull();
        assertThat(infosec.listGroups().groups()).extracting(Group::groupName).doesNotContain("MasterBilling");
        assertThat(infosec.getAccountPasswordPolicy().passwordPolicy().minimumPasswordLength()).isEqualTo(16);
        assertThat(third.get("infosec").changes()).contains("Iam:CreateUser", "Iam:RemoveUserFromGroup",
                "Iam:DeleteGroup", "Iam:UpdateAccountPasswordPolicy");
        third.forEach((key, report) -> {
            if (!key.equals("infosec")) {
                assertThat(report.changes()).as(key).isEmpty();
            }
        });

        Map<String, AccountReport> fourth = applyAll(changed);

        fourth.forEach((key, report) -> assertThat(report.changes()).as(key).isEmpty());
    }

    @Test
    void apply_whenAGroupWasMadeByHand_adoptsItWithOnlyPalisadesGrant() {
        IamClient infosec = iam(id("infosec"));
        infosec.createGroup(r -> r.groupName("ProdAdmins"));
        infosec.attachGroupPolicy(r -> r.groupName("ProdAdmins")
                .policyArn("arn:aws:iam::aws:policy/AdministratorAccess"));
        infosec.putGroupPolicy(r -> r.groupName("ProdAdmins").policyName("Extra").policyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
                        + "\"Resource\":\"*\"}]}"));

        Map<String, AccountReport> first = applyAll(config);

        assertThat(infosec.listGroupPolicies(r -> r.groupName("ProdAdmins")).policyNames())
                .containsExactly(Directory.ASSUME_ROLES_POLICY);
        assertThat(infosec.listAttachedGroupPolicies(r -> r.groupName("ProdAdmins")).attachedPolicies()).isEmpty();
        // moved under Palisade's path (moto ignores a NewPath without a NewGroupName, so only the call is checked)
        assertThat(first.get("infosec").changes()).contains("Iam:UpdateGroup", "Iam:DeleteGroupPolicy",
                "Iam:DetachGroupPolicy");
    }

    @Test
    void apply_whenAnAccountDriftedByHand_repairsIt() {
        applyAll(config);
        IamClient infosec = iam(id("infosec"));
        String prodId = id("prod");
        IamClient prod = iam(prodId);
        prod.updateAssumeRolePolicy(r -> r.roleName("Developer").policyDocument("""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},
                 "Action":"sts:AssumeRole"}]}""".formatted(prodId)));
        prod.attachRolePolicy(r -> r.roleName("Developer").policyArn("arn:aws:iam::aws:policy/AdministratorAccess"));
        CloudTrailClient ct = clients.build(CloudTrailClient.builder(), Emulator.orgAccess(clients, prodId));
        ct.stopLogging(r -> r.name(ApplyAccounts.TRAIL_NAME));
        ct.updateTrail(r -> r.name(ApplyAccounts.TRAIL_NAME).enableLogFileValidation(false));
        infosec.removeUserFromGroup(r -> r.groupName("ProdAdmins").userName("ExampleAdmin"));
        infosec.addUserToGroup(r -> r.groupName("ProdAdmins").userName("ExampleDeveloper"));

        Map<String, AccountReport> repaired = applyAll(config);

        assertThat(repaired.get("prod").changes()).containsExactlyInAnyOrder("Iam:UpdateAssumeRolePolicy",
                "Iam:DetachRolePolicy", "CloudTrail:UpdateTrail", "CloudTrail:StartLogging");
        assertThat(repaired.get("infosec").changes()).containsExactlyInAnyOrder("Iam:AddUserToGroup",
                "Iam:RemoveUserFromGroup");
        assertThat(PolicyDocuments.requiresMfa(PolicyDocuments.parse(
                prod.getRole(r -> r.roleName("Developer")).role().assumeRolePolicyDocument()))).isTrue();
        assertThat(attached(prod, "Developer")).containsExactly("arn:aws:iam::aws:policy/PowerUserAccess");
        assertThat(groupsOf(infosec, "ExampleDeveloper")).doesNotContain("ProdAdmins");
        assertThat(groupsOf(infosec, "ExampleAdmin")).contains("ProdAdmins");
    }

    private static List<String> attached(IamClient iam, String role) {
        try {
            return iam.listAttachedRolePolicies(r -> r.roleName(role)).attachedPolicies().stream()
                    .map(AttachedPolicy::policyArn).toList();
        } catch (NoSuchEntityException e) {
            return List.of();
        }
    }
}
