package io.palisade.applyaccounts;

import static io.palisade.common.testkit.JsonText.texts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.policy.PolicyDocument;
import io.palisade.common.aws.AuditAccess;
import io.palisade.common.aws.AnalyzerDelegation;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.errors.AuditRoleMissingException;
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
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.Group;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.kms.model.AliasListEntry;
import software.amazon.awssdk.services.kms.model.KeyManagerType;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.LoggingEnabled;
import software.amazon.awssdk.services.s3.model.ObjectOwnership;
import software.amazon.awssdk.services.s3.model.OwnershipControlsRule;
import software.amazon.awssdk.services.s3control.S3ControlClient;
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
        // as CreateAccounts does before: the identity account may make the organization's analyzer
        new AnalyzerDelegation(clients.build(OrganizationsClient.builder()))
                .apply(org.identity().accountId(), config.identityAccount());
        // and the management account's Security Hub (SecurityHubAdmin, in CreateAccounts)
        SecurityHubIT.managementHubOn(clients, org.managementAccountId());
        phase = new ApplyAccounts(clients, task -> Emulator.orgAccess(clients));
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

    /** As a plan or drift run without repair: the planned changes, nothing changed. */
    private Map<String, AccountReport> planAll(OrgConfig withConfig) {
        Map<String, AccountReport> reports = new LinkedHashMap<>();
        for (RunState.Target target : org.targets()) {
            reports.put(target.key(), phase.planReport(new AccountTask(target, withConfig, org,
                    new RunState.TempAdmin(null, null, null, null, null), new RunState.Run("it", null),
                    AccountTask.PLAN, null)));
        }
        return reports;
    }

    /** Each rendered change up to its values: {@code ~ iam:role prod/Developer trust}. */
    private static List<String> items(List<String> changes) {
        return changes.stream().map(c -> c.contains(": expected") ? c.substring(0, c.indexOf(": expected")) : c)
                .toList();
    }

    private IamClient iam(String accountId) {
        return clients.build(IamClient.builder(), Emulator.orgAccess(clients, accountId));
    }

    private KmsClient kms(String accountId) {
        return clients.build(KmsClient.builder(), Emulator.orgAccess(clients, accountId));
    }

    private String id(String key) {
        return ApplyAccounts.accountIdOf(new AccountTask(org.identity(), config, org, null, null), key);
    }

    private String roleArn(String key, String role) {
        return "arn:aws:iam::" + id(key) + ":role/" + role;
    }

    private static List<String> groupsOf(IamClient iam, String user) {
        return iam.listGroupsForUser(r -> r.userName(user)).groups().stream().map(Group::groupName).toList();
    }

    private static JsonNode groupPolicy(IamClient iam, String group, String policy) {
        return PolicyDocument.parse(iam.getGroupPolicy(r -> r.groupName(group).policyName(policy)).policyDocument());
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
        JsonNode selfService = groupPolicy(infosec, Names.ALL_USERS_GROUP, Directory.SELF_SERVICE_POLICY);
        assertThat(selfService.findValuesAsText("Sid")).contains("AllowManageOwnUserMFA", "DenyAllExceptListedIfNoMFA");
        assertThat(selfService.toString()).contains("${aws:username}");
        // users and memberships
        assertThat(groupsOf(infosec, "ExampleAdmin")).containsExactlyInAnyOrder(Names.ALL_USERS_GROUP, "InfosecAdmins",
                "ProdAdmins", "NonProdAdmins");
        assertThat(groupsOf(infosec, "ExampleDeveloper")).containsExactlyInAnyOrder(Names.ALL_USERS_GROUP,
                "ProdDevelopers", "NonProdDevelopers");
        assertThat(groupsOf(infosec, "ExampleBilling")).containsExactlyInAnyOrder(Names.ALL_USERS_GROUP, "MasterBilling");
        assertThat(infosec.listUserTags(r -> r.userName("ExampleAdmin")).tags())
                .anyMatch(t -> t.key().equals(Names.MANAGED_TAG) && t.value().equals("true"));
        // roles: only the identity account, only with MFA, with the configured policy
        IamClient prod = iam(id("prod"));
        Role developer = prod.getRole(r -> r.roleName("Developer")).role();
        JsonNode trust = PolicyDocument.parse(developer.assumeRolePolicyDocument());
        assertThat(trust.at("/Statement/0/Principal/AWS").asText()).isEqualTo("arn:aws:iam::" + identity + ":root");
        assertThat(PolicyDocuments.requiresMfa(trust)).isTrue();
        assertThat(developer.maxSessionDuration()).isEqualTo(3600);
        assertThat(attached(prod, "Developer")).containsExactly("arn:aws:iam::aws:policy/PowerUserAccess");
        assertThat(attached(prod, "Administrator")).containsExactly("arn:aws:iam::aws:policy/AdministratorAccess");
        assertThat(attached(infosec, "Administrator")).containsExactly("arn:aws:iam::aws:policy/AdministratorAccess");
        assertThat(attached(iam(org.managementAccountId()), "Billing"))
                .containsExactly("arn:aws:iam::aws:policy/job-function/Billing");
        assertThat(first.get("management").roles()).extracting(AccountReport.Role::name)
                .containsExactly("Billing", "Support", "SecurityAudit");
        // aliases, not on management
        assertThat(infosec.listAccountAliases().accountAliases()).containsExactly(config.aliasOf("infosec"));
        assertThat(prod.listAccountAliases().accountAliases()).containsExactly(config.aliasOf("prod"));
        assertThat(first.get("management").alias()).isNull();
        // the central bucket
        String bucket = Names.trailBucket(config.organization().name(), identity);
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
        // CloudTrail writes under AWSLogs/ for Palisade's trail of the organization's accounts: one grant for all
        assertThat(bucketPolicy.findValuesAsText("Resource")).contains("arn:aws:s3:::" + bucket + "/AWSLogs/*");
        for (JsonNode accounts : bucketPolicy.findValues("aws:SourceAccount")) {
            assertThat(texts(accounts)).containsExactlyInAnyOrderElementsOf(
                    org.targets().stream().map(RunState.Target::accountId).distinct().toList());
        }
        assertThat(bucketPolicy.findValues("aws:SourceAccount")).hasSize(2);
        assertThat(bucketPolicy.findValuesAsText("aws:SourceArn")).containsOnly("arn:aws:cloudtrail:"
                + clients.region().id() + ":*:trail/" + Names.TRAIL);
        // its server access logs go to the log bucket, which only S3 logging may write to
        String logBucket = Names.accessLogBucket(config.organization().name(), identity);
        assertThat(first.get("infosec").accessLogBucket()).isEqualTo(logBucket);
        LoggingEnabled logging = s3.getBucketLogging(r -> r.bucket(bucket)).loggingEnabled();
        assertThat(logging.targetBucket()).isEqualTo(logBucket);
        assertThat(logging.targetPrefix()).isEqualTo(ApplyAccounts.ACCESS_LOG_PREFIX);
        assertThat(s3.getBucketVersioning(r -> r.bucket(logBucket)).status()).isEqualTo(BucketVersioningStatus.ENABLED);
        JsonNode logPolicy = Json.read(s3.getBucketPolicy(r -> r.bucket(logBucket)).policy(), JsonNode.class);
        assertThat(logPolicy.findValuesAsText("Sid")).containsExactlyInAnyOrder("DenyInsecureTransport", "S3ServerAccessLogs",
                "S3ServerAccessLogsStateBucket", "S3ServerAccessLogsConfigBucket");
        assertThat(logPolicy.toString()).contains("logging.s3.amazonaws.com", "arn:aws:s3:::" + bucket)
                .doesNotContain("cloudtrail.amazonaws.com");
        // the trails' key: customer managed, symmetric, found by its alias, rotated
        KmsClient kms = kms(identity);
        KeyMetadata key = kms.describeKey(r -> r.keyId(Names.TRAIL_KEY_ALIAS)).keyMetadata();
        assertThat(first.get("infosec").trailKeyArn()).isEqualTo(key.arn());
        assertThat(first.get("prod").trailKeyArn()).isNull();
        assertThat(key.keySpec()).isEqualTo(KeySpec.SYMMETRIC_DEFAULT);
        assertThat(key.keyManager()).isEqualTo(KeyManagerType.CUSTOMER);
        assertThat(kms.listAliases(r -> r.keyId(key.keyId())).aliases()).extracting(AliasListEntry::aliasName)
                .containsExactly(Names.TRAIL_KEY_ALIAS);
        assertThat(kms.getKeyRotationStatus(r -> r.keyId(key.keyId())).keyRotationEnabled()).isTrue();
        JsonNode keyPolicy = PolicyDocument.parse(kms.getKeyPolicy(r -> r.keyId(key.keyId())
                .policyName(TrailKey.POLICY_NAME)).policy());
        assertThat(keyPolicy.findValuesAsText("Service")).contains("cloudtrail.amazonaws.com");
        assertThat(keyPolicy.toString()).contains("arn:aws:iam::" + identity + ":root");
        // CloudTrail may encrypt for each account's palisade-trail: accounts by aws:SourceAccount
        for (RunState.Target t : org.targets()) {
            assertThat(keyPolicy.toString()).contains("\"" + t.accountId() + "\"");
        }
        assertThat(keyPolicy.toString()).contains("arn:aws:cloudtrail:*:*:trail/" + Names.TRAIL);
        // a trail everywhere, into that bucket, encrypted with that key, logging
        for (RunState.Target t : org.targets()) {
            CloudTrailClient ct = clients.build(CloudTrailClient.builder(), Emulator.orgAccess(clients, t.accountId()));
            Trail trail = ct.getTrail(r -> r.name(Names.TRAIL)).trail();
            assertThat(trail.s3BucketName()).as(t.key()).isEqualTo(bucket);
            assertThat(trail.isMultiRegionTrail()).as(t.key()).isTrue();
            assertThat(trail.logFileValidationEnabled()).as(t.key()).isTrue();
            assertThat(trail.includeGlobalServiceEvents()).as(t.key()).isTrue();
            // the identity account names the key, the others its alias (moto returns it as given; AWS the key ARN)
            assertThat(trail.kmsKeyId()).as(t.key()).isNotBlank();
            assertThat(kms.describeKey(r -> r.keyId(trail.kmsKeyId())).keyMetadata().arn()).as(t.key())
                    .isEqualTo(key.arn());
            assertThat(ct.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging()).as(t.key()).isTrue();
            // management events, and every bucket's object reads and writes but the two log buckets'
            var selectors = ct.getEventSelectors(r -> r.trailName(Names.TRAIL)).advancedEventSelectors();
            assertThat(TrailEvents.normalize(selectors)).as(t.key()).isEqualTo(TrailEvents.normalize(
                    TrailEvents.wanted(true, "aws", List.of(bucket,
                            Names.accessLogBucket(config.organization().name(), identity)))));
            assertThat(selectors.toString()).as(t.key()).contains("Management").contains("AWS::S3::Object");
            assertThat(first.get(t.key()).changes()).as(t.key()).isNotEmpty();
        }

        Map<String, AccountReport> second = applyAll(config);

        second.forEach((k, report) -> assertThat(report.changes()).as(k).isEmpty());
        assertThat(second.get("infosec").trailKeyArn()).isEqualTo(key.arn());
        assertThat(second.get("infosec").users()).isEqualTo(first.get("infosec").users());
    }

    @Test
    void plan_whenTheOrganizationIsFresh_isAllCreatesAndChangesNothing() {
        Map<String, AccountReport> planned = planAll(config);

        // the management account is the emulator's, shared by every test: only the new accounts are fresh
        planned.entrySet().stream().filter(e -> !e.getKey().equals(OrgConfig.MANAGEMENT)).forEach(e -> {
            String key = e.getKey();
            AccountReport report = e.getValue();
            assertThat(report.changes()).as(key).isNotEmpty().allMatch(c -> c.startsWith("+ "));
            assertThat(report.changes()).as(key).contains("+ cloudtrail:trail " + key + "/" + Names.TRAIL,
                    "+ cloudtrail:event-selectors " + key + "/" + Names.TRAIL,
                    "+ iam:password-policy " + key, "+ s3:account-public-access-block " + key,
                    "+ iam:role " + key + "/Support", "+ iam:role " + key + "/SecurityAudit");
        });
        String stateBucket = Names.stateBucket(config.organization().name(), id("infosec"));
        assertThat(planned.get("infosec").changes()).contains("+ s3:bucket infosec/" + stateBucket,
                "+ s3:bucket-logging infosec/" + stateBucket);
        assertThat(planned.get("infosec").changes()).contains("+ iam:password-policy infosec",
                "+ kms:key infosec/" + Names.TRAIL_KEY_ALIAS,
                "+ s3:bucket infosec/" + Names.trailBucket(config.organization().name(), id("infosec")),
                "+ iam:group infosec/InfosecAdmins", "+ iam:user infosec/ExampleAdmin",
                "+ iam:group-membership infosec/InfosecAdmins ExampleAdmin");
        assertThat(planned.get("prod").changes()).contains("+ iam:role prod/Developer",
                "+ iam:account-alias prod/" + config.aliasOf("prod"));
        CloudTrailClient ct = clients.build(CloudTrailClient.builder(), Emulator.orgAccess(clients, id("prod")));
        assertThat(ct.describeTrails().trailList()).extracting(Trail::name).doesNotContain(Names.TRAIL);
        assertThat(iam(id("prod")).listAccountAliases().accountAliases()).isEmpty();

        Map<String, AccountReport> applied = applyAll(config);

        planned.forEach((key, report) -> assertThat(applied.get(key).changes()).as(key)
                .isEqualTo(report.changes()));
    }

    @Test
    void handler_whenDriftWithoutRepair_onlyPlans_andWithRepairApplies() {
        applyAll(config);
        RunState.Target prod = org.targets().stream().filter(t -> t.key().equals("prod")).findFirst().orElseThrow();
        CloudTrailClient ct = clients.build(CloudTrailClient.builder(), Emulator.orgAccess(clients, prod.accountId()));
        ct.stopLogging(r -> r.name(Names.TRAIL));
        ApplyAccountsHandler handler = new ApplyAccountsHandler(phase);
        String stopped = "~ cloudtrail:trail prod/palisade-trail logging: expected true actual false";

        AccountReport drift = handler.report(new AccountTask(prod, config, org, null, new RunState.Run("it", null),
                RunState.DRIFT, null));

        assertThat(drift.changes()).containsExactly(stopped);
        assertThat(ct.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging()).isFalse();

        AccountReport repaired = handler.report(new AccountTask(prod, config, org, null,
                new RunState.Run("it", null), RunState.DRIFT, true));

        assertThat(repaired.changes()).containsExactly(stopped);
        assertThat(ct.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging()).isTrue();
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
        assertThat(groupsOf(infosec, "ExampleDeveloper")).containsExactlyInAnyOrder(Names.ALL_USERS_GROUP,
                "ProdDevelopers");
        assertThat(groupsOf(infosec, "ExampleAuditor")).containsExactlyInAnyOrder(Names.ALL_USERS_GROUP,
                "InfosecAdmins");
        // dropped from the config: kept, but in no Palisade group
        assertThat(groupsOf(infosec, "ExampleBilling")).isEmpty();
        assertThat(third.get("infosec").retired()).containsExactly("ExampleBilling");
        assertThat(infosec.getUser(r -> r.userName("ExampleBilling")).user()).isNotNull();
        assertThat(infosec.listGroups().groups()).extracting(Group::groupName).doesNotContain("MasterBilling");
        assertThat(infosec.getAccountPasswordPolicy().passwordPolicy().minimumPasswordLength()).isEqualTo(16);
        assertThat(third.get("infosec").changes()).contains("+ iam:user infosec/ExampleAuditor",
                "- iam:group-membership infosec/MasterBilling ExampleBilling", "- iam:group infosec/MasterBilling",
                "~ iam:password-policy infosec minimumLength: expected 16 actual 14");
        // the password policy is every account's, the management account's included
        third.forEach((key, report) -> {
            if (!key.equals("infosec")) {
                assertThat(report.changes()).as(key)
                        .containsExactly("~ iam:password-policy " + key + " minimumLength: expected 16 actual 14");
                assertThat(iam(id(key)).getAccountPasswordPolicy().passwordPolicy().minimumPasswordLength()).as(key)
                        .isEqualTo(16);
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
        assertThat(items(first.get("infosec").changes())).contains("~ iam:group infosec/ProdAdmins path",
                "- iam:group-policy infosec/ProdAdmins Extra",
                "- iam:group-policy-attachment infosec/ProdAdmins arn:aws:iam::aws:policy/AdministratorAccess");
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
        ct.stopLogging(r -> r.name(Names.TRAIL));
        ct.updateTrail(r -> r.name(Names.TRAIL).enableLogFileValidation(false));
        CloudTrailClient nonProdTrails = clients.build(CloudTrailClient.builder(),
                Emulator.orgAccess(clients, id("non-prod")));
        nonProdTrails.updateTrail(r -> r.name(Names.TRAIL).kmsKeyId(""));
        KmsClient kms = kms(id("infosec"));
        String keyId = kms.describeKey(r -> r.keyId(Names.TRAIL_KEY_ALIAS)).keyMetadata().keyId();
        kms.disableKeyRotation(r -> r.keyId(keyId));
        kms.putKeyPolicy(r -> r.keyId(keyId).policyName(TrailKey.POLICY_NAME).policy(Json.write(Map.of(
                "Version", "2012-10-17", "Statement", List.of(Map.of("Effect", "Allow",
                        "Principal", Map.of("AWS", "arn:aws:iam::" + id("infosec") + ":root"),
                        "Action", "kms:*", "Resource", "*"))))));
        S3Client s3 = clients.s3(Emulator.orgAccess(clients, id("infosec")));
        String bucket = Names.trailBucket(config.organization().name(), id("infosec"));
        s3.putBucketLogging(r -> r.bucket(bucket).bucketLoggingStatus(b -> {}));
        infosec.removeUserFromGroup(r -> r.groupName("ProdAdmins").userName("ExampleAdmin"));
        infosec.addUserToGroup(r -> r.groupName("ProdAdmins").userName("ExampleDeveloper"));
        // an unmanaged principal in a managed group, and a weaker password policy
        infosec.createUser(r -> r.userName("Mallory"));
        infosec.addUserToGroup(r -> r.groupName("InfosecAdmins").userName("Mallory"));
        infosec.updateAccountPasswordPolicy(AccountSettings.passwordPolicyRequest(config.passwordPolicy()).toBuilder()
                .minimumPasswordLength(8).build());
        // the account-wide settings of the members, and the identity account's buckets
        iam(id("non-prod")).updateAccountPasswordPolicy(AccountSettings.passwordPolicyRequest(config.passwordPolicy())
                .toBuilder().passwordReusePrevention(5).build());
        S3ControlClient prodControl = s3Control(prodId);
        prodControl.putPublicAccessBlock(r -> r.accountId(prodId).publicAccessBlockConfiguration(
                AccountSettings.BLOCK_ALL.toBuilder().blockPublicPolicy(false).build()));
        s3.putBucketOwnershipControls(r -> r.bucket(bucket).ownershipControls(c -> c.rules(
                OwnershipControlsRule.builder().objectOwnership(ObjectOwnership.OBJECT_WRITER).build())));
        String stateBucket = Names.stateBucket(config.organization().name(), id("infosec"));
        s3.putBucketLogging(r -> r.bucket(stateBucket).bucketLoggingStatus(b -> {}));
        // someone narrows non-prod's trail to management events: S3 object-level events are no longer recorded
        clients.build(CloudTrailClient.builder(), Emulator.orgAccess(clients, id("non-prod"))).putEventSelectors(r -> r
                .trailName(Names.TRAIL).advancedEventSelectors(TrailEvents.wanted(false, "aws", List.of())));

        Map<String, AccountReport> planned = planAll(config);

        // planning names each drifted item and changes nothing (planReport fails on a changing call)
        assertThat(items(planned.get("prod").changes())).containsExactlyInAnyOrder(
                "~ iam:role prod/Developer trust",
                "- iam:role-policy-attachment prod/Developer arn:aws:iam::aws:policy/AdministratorAccess",
                "~ cloudtrail:trail prod/palisade-trail logFileValidation",
                "~ cloudtrail:trail prod/palisade-trail logging",
                "~ s3:account-public-access-block prod blockPublicPolicy");
        assertThat(planned.get("prod").changes())
                .contains("~ cloudtrail:trail prod/palisade-trail logging: expected true actual false");
        assertThat(items(planned.get("non-prod").changes())).containsExactlyInAnyOrder(
                "~ cloudtrail:trail non-prod/palisade-trail kmsKeyId",
                "~ cloudtrail:event-selectors non-prod/palisade-trail selectors",
                "~ iam:password-policy non-prod reusePrevention");
        assertThat(items(planned.get("infosec").changes())).containsExactlyInAnyOrder(
                "+ iam:group-membership infosec/ProdAdmins ExampleAdmin",
                "- iam:group-membership infosec/ProdAdmins ExampleDeveloper",
                "- iam:group-membership infosec/InfosecAdmins Mallory",
                "~ iam:password-policy infosec minimumLength",
                "~ kms:key infosec/alias/palisade-cloudtrail policy",
                "~ kms:key infosec/alias/palisade-cloudtrail rotation",
                "+ s3:bucket-logging infosec/" + bucket,
                "~ s3:bucket infosec/" + bucket + " objectOwnership",
                "+ s3:bucket-logging infosec/" + stateBucket);
        assertThat(kms.getKeyRotationStatus(r -> r.keyId(keyId)).keyRotationEnabled()).isFalse();
        assertThat(ct.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging()).isFalse();

        Map<String, AccountReport> repaired = applyAll(config);

        planned.forEach((key, report) -> assertThat(repaired.get(key).changes()).as(key)
                .isEqualTo(report.changes()));
        planAll(config).forEach((key, report) -> assertThat(report.changes()).as(key).isEmpty());
        assertThat(planned.get("infosec").changes()).contains(
                "~ iam:password-policy infosec minimumLength: expected %d actual 8"
                        .formatted(config.passwordPolicy().minimumLength()));
        assertThat(repaired.get("infosec").retired()).containsExactly("Mallory");
        assertThat(groupsOf(infosec, "Mallory")).isEmpty();
        assertThat(kms.getKeyRotationStatus(r -> r.keyId(keyId)).keyRotationEnabled()).isTrue();
        assertThat(s3.getBucketLogging(r -> r.bucket(bucket)).loggingEnabled()).isNotNull();
        assertThat(s3.getBucketLogging(r -> r.bucket(stateBucket)).loggingEnabled().targetPrefix())
                .isEqualTo(ApplyAccounts.STATE_ACCESS_LOG_PREFIX);
        assertThat(ownership(s3, bucket)).isEqualTo("BucketOwnerEnforced");
        assertThat(prodControl.getPublicAccessBlock(r -> r.accountId(prodId)).publicAccessBlockConfiguration())
                .isEqualTo(AccountSettings.BLOCK_ALL);
        assertThat(iam(id("non-prod")).getAccountPasswordPolicy().passwordPolicy().passwordReusePrevention())
                .isEqualTo(24);
        assertThat(nonProdTrails.getTrail(r -> r.name(Names.TRAIL)).trail().kmsKeyId())
                .isEqualTo(TrailKey.aliasArn("aws", clients.region().id(), id("infosec")));
        assertThat(PolicyDocuments.requiresMfa(PolicyDocument.parse(
                prod.getRole(r -> r.roleName("Developer")).role().assumeRolePolicyDocument()))).isTrue();
        assertThat(attached(prod, "Developer")).containsExactly("arn:aws:iam::aws:policy/PowerUserAccess");
        assertThat(groupsOf(infosec, "ExampleDeveloper")).doesNotContain("ProdAdmins");
        assertThat(groupsOf(infosec, "ExampleAdmin")).contains("ProdAdmins");
    }

    private S3ControlClient s3Control(String accountId) {
        return clients.build(S3ControlClient.builder().endpointProvider(
                S3ControlHost.provider()),
                Emulator.orgAccess(clients, accountId));
    }

    private static String ownership(S3Client s3, String bucket) {
        return s3.getBucketOwnershipControls(r -> r.bucket(bucket)).ownershipControls().rules().get(0)
                .objectOwnershipAsString();
    }

    /**
     * Issue 10 (B): what CIS checks in every account, the management account included, and on
     * every Palisade bucket; and the two CIS roles, trusting only the identity account with MFA.
     */
    @Test
    void apply_whenIdentityThenMembers_setsTheCisAccountBaselineEverywhereAndReapplyChangesNothing() {
        Map<String, AccountReport> first = applyAll(config);

        for (RunState.Target t : org.targets()) {
            String key = t.key();
            IamClient accountIam = iam(t.accountId());
            // CIS 1.8/1.9: the same password policy in every account
            PasswordPolicy pp = accountIam.getAccountPasswordPolicy().passwordPolicy();
            assertThat(AccountSettings.passwordPolicyMatches(config.passwordPolicy(), pp)).as(key).isTrue();
            assertThat(pp.minimumPasswordLength()).as(key).isEqualTo(14);
            assertThat(pp.passwordReusePrevention()).as(key).isEqualTo(24);
            // CIS 2.1.4 / Security Hub S3.1: Block Public Access for the whole account, all four on
            assertThat(s3Control(t.accountId()).getPublicAccessBlock(r -> r.accountId(t.accountId()))
                    .publicAccessBlockConfiguration()).as(key).isEqualTo(AccountSettings.BLOCK_ALL);
            assertThat(first.get(key).settings().publicAccessBlock()).as(key).containsValues(true).hasSize(4);
            assertThat(first.get(key).settings().passwordPolicy()).as(key).isEqualTo(config.passwordPolicy());
            // CIS 1.17 (AWS Support) and SecurityAudit: trust the identity account only, with MFA
            for (String role : List.of("Support", "SecurityAudit")) {
                Role r = accountIam.getRole(x -> x.roleName(role)).role();
                JsonNode trust = PolicyDocument.parse(r.assumeRolePolicyDocument());
                assertThat(trust.at("/Statement/0/Principal/AWS").asText()).as(key + " " + role)
                        .isEqualTo("arn:aws:iam::" + id("infosec") + ":root");
                assertThat(PolicyDocuments.requiresMfa(trust)).as(key + " " + role).isTrue();
                assertThat(accountIam.listRoleTags(x -> x.roleName(role)).tags()).as(key + " " + role)
                        .anyMatch(tag -> tag.key().equals(Names.MANAGED_TAG));
            }
            assertThat(attached(accountIam, "Support")).as(key)
                    .containsExactly("arn:aws:iam::aws:policy/AWSSupportAccess");
            assertThat(attached(accountIam, "SecurityAudit")).as(key)
                    .containsExactly("arn:aws:iam::aws:policy/SecurityAudit");
        }
        // the groups that may assume them, in every account
        JsonNode support = groupPolicy(iam(id("infosec")), "SupportTeam", Directory.ASSUME_ROLES_POLICY);
        assertThat(support.toString()).contains("arn:aws:iam::" + org.managementAccountId() + ":role/Support",
                roleArn("infosec", "Support"), roleArn("prod", "Support"), roleArn("non-prod", "Support"));
        JsonNode auditors = groupPolicy(iam(id("infosec")), "SecurityAuditors", Directory.ASSUME_ROLES_POLICY);
        assertThat(auditors.toString()).contains(roleArn("prod", "SecurityAudit"),
                "arn:aws:iam::" + org.managementAccountId() + ":role/SecurityAudit");

        // every Palisade bucket: ACLs disabled; the trail and state buckets access-logged
        String identity = id("infosec");
        S3Client s3 = clients.s3(Emulator.orgAccess(clients, identity));
        String trailBucket = Names.trailBucket(config.organization().name(), identity);
        String stateBucket = Names.stateBucket(config.organization().name(), identity);
        String logBucket = Names.accessLogBucket(config.organization().name(), identity);
        for (String bucket : List.of(trailBucket, stateBucket, logBucket)) {
            assertThat(ownership(s3, bucket)).as(bucket).isEqualTo("BucketOwnerEnforced");
        }
        LoggingEnabled stateLogs = s3.getBucketLogging(r -> r.bucket(stateBucket)).loggingEnabled();
        assertThat(stateLogs.targetBucket()).isEqualTo(logBucket);
        assertThat(stateLogs.targetPrefix()).isEqualTo(ApplyAccounts.STATE_ACCESS_LOG_PREFIX);
        JsonNode logPolicy = Json.read(s3.getBucketPolicy(r -> r.bucket(logBucket)).policy(), JsonNode.class);
        String configBucket = Names.configBucket(config.organization().name(), identity);
        assertThat(logPolicy.findValuesAsText("aws:SourceArn")).containsExactly("arn:aws:s3:::" + trailBucket,
                "arn:aws:s3:::" + stateBucket, "arn:aws:s3:::" + configBucket);
        assertThat(first.get("infosec").buckets()).extracting(AccountReport.Bucket::name)
                .containsExactly(trailBucket, stateBucket, configBucket, logBucket);
        assertThat(first.get("prod").buckets()).isEmpty();

        Map<String, AccountReport> second = applyAll(config);

        second.forEach((k, report) -> assertThat(report.changes()).as(k).isEmpty());
        planAll(config).forEach((k, report) -> assertThat(report.changes()).as(k).isEmpty());
    }

    private static List<String> attached(IamClient iam, String role) {
        try {
            return iam.listAttachedRolePolicies(r -> r.roleName(role)).attachedPolicies().stream()
                    .map(AttachedPolicy::policyArn).toList();
        } catch (NoSuchEntityException e) {
            return List.of();
        }
    }

    @Test
    void apply_whenAnAliasIsTakenByAnotherAccount_namesTheFieldAppliesEverythingElseAndAFreeAliasConverges() {
        String taken = config.aliasOf("prod");
        // another AWS account holds it (the management account: Palisade never aliases it)
        IamClient other = clients.build(IamClient.builder());
        other.createAccountAlias(r -> r.accountAlias(taken));
        try {
            Map<String, AccountReport> reports = applyAll(config);

            AccountReport prod = reports.get("prod");
            assertThat(prod.alias()).isNull();
            assertThat(prod.problems()).singleElement().satisfies(p -> {
                assertThat(p.error()).isEqualTo("AccountAliasTakenException");
                assertThat(p.field()).isEqualTo("accounts[1].alias");
                assertThat(p.message()).contains("'" + taken + "'", "accounts[1].alias", "unique across AWS");
            });
            assertThat(prod.roles()).extracting(AccountReport.Role::name).contains("Administrator", "Developer");
            assertThat(prod.trail().logging()).isTrue();
            assertThat(reports.get("non-prod").problems()).isEmpty();
            assertThat(reports.get("non-prod").alias()).isEqualTo(config.aliasOf("non-prod"));
            assertThat(reports.get("infosec").problems()).isEmpty();

            // the fix the problem names: a free alias for that account
            List<OrgConfig.Account> accounts = new ArrayList<>(config.accounts());
            OrgConfig.Account p = accounts.get(1);
            accounts.set(1, new OrgConfig.Account(p.key(), p.name(), p.email(), p.roles(), taken + "-2"));
            OrgConfig fixed = new OrgConfig(config.organization(), config.identityAccount(), accounts, config.roles(),
                    config.groups(), config.users(), config.passwordPolicy(), config.alerts());
            AccountReport again = applyAll(fixed).get("prod");
            assertThat(again.problems()).isEmpty();
            assertThat(again.alias()).isEqualTo(taken + "-2");
            assertThat(iam(org.account("prod").id()).listAccountAliases().accountAliases()).containsExactly(taken + "-2");
        } finally {
            other.deleteAccountAlias(r -> r.accountAlias(taken));
        }
    }

    // ---------------------------------------------------------------- the audit role (plan without a temp-admin)

    @Test
    void auditRole_afterABootstrap_isReadOnlyTrustsOnlyThePlanPhasesAndLetsThemPlanWithoutATempAdmin() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String planner = "ItPlanPhase-" + suffix;
        String stranger = "ItStranger-" + suffix;
        String management = org.managementAccountId();
        String plannerArn = Emulator.planPhaseRole(clients, management, planner);
        Emulator.planPhaseRole(clients, management, stranger);
        RunState.Target prod = org.targets().stream().filter(t -> t.key().equals("prod")).findFirst().orElseThrow();
        Clients asPlanner = Emulator.as(clients, management, planner);

        // before a bootstrap the account has no audit role: a named error, no fallback to a temp-admin
        assertThatThrownBy(() -> AuditAccess.auditRole(asPlanner, management).in(prod.accountId()))
                .isInstanceOf(AuditRoleMissingException.class)
                .hasMessageContaining("PalisadeAudit in account " + prod.accountId())
                .hasMessageContaining("run a bootstrap first");

        // PALISADE_AUDITORS names the roles; the phase builds their ARNs in the management account
        ApplyAccounts bootstrap = new ApplyAccounts(clients, task -> Emulator.orgAccess(clients), List.of(planner));
        Map<String, AccountReport> applied = new LinkedHashMap<>();
        for (RunState.Target target : org.targets()) {
            applied.put(target.key(), bootstrap.apply(new AccountTask(target, config, org,
                    new RunState.TempAdmin(null, null, null, null, null), new RunState.Run("it", null))));
        }

        assertThat(applied.get("prod").changes()).contains("+ iam:role prod/PalisadeAudit");
        assertThat(applied.get("infosec").changes()).contains("+ iam:role infosec/PalisadeAudit");
        assertThat(applied.get(OrgConfig.MANAGEMENT).changes()).noneMatch(c -> c.contains(Names.AUDIT_ROLE));
        IamClient prodIam = iam(prod.accountId());
        Role role = prodIam.getRole(r -> r.roleName(Names.AUDIT_ROLE)).role();
        assertThat(PolicyDocument.equivalent(PolicyDocument.parse(role.assumeRolePolicyDocument()),
                Json.MAPPER.valueToTree(PolicyDocuments.auditTrust(List.of(plannerArn))))).isTrue();
        assertThat(prodIam.listRoleTags(r -> r.roleName(Names.AUDIT_ROLE)).tags())
                .anyMatch(t -> t.key().equals(Names.MANAGED_TAG) && t.value().equals("true"));
        assertThat(prodIam.listAttachedRolePolicies(r -> r.roleName(Names.AUDIT_ROLE)).attachedPolicies())
                .extracting(AttachedPolicy::policyArn).containsExactly("arn:aws:iam::aws:policy/ReadOnlyAccess");
        assertThat(prodIam.listRolePolicies(r -> r.roleName(Names.AUDIT_ROLE)).policyNames()).isEmpty();
        assertThatThrownBy(() -> clients.build(IamClient.builder()).getRole(r -> r.roleName(Names.AUDIT_ROLE)))
                .as("no audit role in the management account").isInstanceOf(NoSuchEntityException.class);

        // as the plan phase: it reads, and whatever it tried to change would be denied
        IamClient audited = asPlanner.build(IamClient.builder(),
                AuditAccess.auditRole(asPlanner, management).in(prod.accountId()));
        assertThat(audited.getRole(r -> r.roleName("Administrator")).role().roleName()).isEqualTo("Administrator");
        assertThatThrownBy(() -> audited.createRole(r -> r.roleName("Mallory").assumeRolePolicyDocument(
                role.assumeRolePolicyDocument())))
                .isInstanceOf(IamException.class)
                .satisfies(e -> assertThat(((IamException) e).statusCode()).isEqualTo(403));

        // a plan task through the handler, as the plan phase with no temp-admin at all: nothing to change
        ApplyAccounts planPhase = new ApplyAccounts(asPlanner, AuditAccess.forTask(asPlanner,
                new TempAdminSession(asPlanner, asPlanner.build(SecretsManagerClient.builder()))), List.of(plannerArn));
        AccountReport planned = new ApplyAccountsHandler(planPhase).report(new AccountTask(prod, config, org, null,
                new RunState.Run("it", null), AccountTask.PLAN, null));
        assertThat(planned.changes()).isEmpty();
        // the identity account too: its account-wide settings, buckets (the state bucket's included) and logging
        AccountReport plannedIdentity = new ApplyAccountsHandler(planPhase).report(new AccountTask(org.identity(),
                config, org, null, new RunState.Run("it", null), AccountTask.PLAN, null));
        assertThat(plannedIdentity.changes()).isEmpty();

        // another management-account role, allowed to assume it by its own policy, is not trusted
        Clients asStranger = Emulator.as(clients, management, stranger);
        assertThatThrownBy(() -> AuditAccess.auditRole(asStranger, management).in(prod.accountId()))
                .isInstanceOf(AuditRoleMissingException.class);
    }
}
