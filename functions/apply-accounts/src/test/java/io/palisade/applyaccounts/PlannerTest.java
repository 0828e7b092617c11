package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.GetTrailRequest;
import software.amazon.awssdk.services.cloudtrail.model.GetTrailResponse;
import software.amazon.awssdk.services.cloudtrail.model.GetTrailStatusRequest;
import software.amazon.awssdk.services.cloudtrail.model.GetTrailStatusResponse;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
import software.amazon.awssdk.services.cloudtrail.model.TrailNotFoundException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.GetAccountPasswordPolicyRequest;
import software.amazon.awssdk.services.iam.model.GetAccountPasswordPolicyResponse;
import software.amazon.awssdk.services.iam.model.GetGroupPolicyRequest;
import software.amazon.awssdk.services.iam.model.GetGroupPolicyResponse;
import software.amazon.awssdk.services.iam.model.GetGroupRequest;
import software.amazon.awssdk.services.iam.model.GetGroupResponse;
import software.amazon.awssdk.services.iam.model.GetRoleRequest;
import software.amazon.awssdk.services.iam.model.GetRoleResponse;
import software.amazon.awssdk.services.iam.model.GetUserRequest;
import software.amazon.awssdk.services.iam.model.GetUserResponse;
import software.amazon.awssdk.services.iam.model.Group;
import software.amazon.awssdk.services.iam.model.ListAttachedGroupPoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListAttachedGroupPoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListGroupPoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListGroupPoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListGroupsRequest;
import software.amazon.awssdk.services.iam.model.ListGroupsResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;
import software.amazon.awssdk.services.iam.model.User;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3control.S3ControlClient;
import software.amazon.awssdk.services.s3control.model.GetPublicAccessBlockRequest;
import software.amazon.awssdk.services.s3control.model.GetPublicAccessBlockResponse;
import software.amazon.awssdk.services.s3control.model.PublicAccessBlockConfiguration;
import software.amazon.awssdk.services.s3control.model.S3ControlException;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The planner reads only: every stub below answers reads, and any other call fails (the SDK
 * interfaces' defaults throw {@link UnsupportedOperationException}), so a test that passes made
 * no changing call.
 */
class PlannerTest {
    private static final String PARTITION = "aws";
    private static final String INFOSEC = "111111111111";
    private static final String PROD = "222222222222";
    private static final Change.Account INFOSEC_ACCOUNT = new Change.Account(INFOSEC, "infosec");
    private static final Change.Account PROD_ACCOUNT = new Change.Account(PROD, "prod");
    private static final OrgConfig.PasswordPolicy PASSWORDS =
            new OrgConfig.PasswordPolicy(14, true, true, true, true, 24, 90, true);

    private static OrgConfig config() {
        return new OrgConfig(new OrgConfig.Organization("acme", "us-east-1", List.of()), "infosec",
                List.of(new OrgConfig.Account("infosec", "InfoSec", "i@example.com", List.of(), null),
                        new OrgConfig.Account("prod", "Prod", "p@example.com",
                                List.of("Administrator", "Developer"), null)),
                Map.of("Administrator", new OrgConfig.RoleDef("AdministratorAccess", "Admins"),
                        "Developer", new OrgConfig.RoleDef("PowerUserAccess", "Developers")),
                List.of(new OrgConfig.Group("InfosecAdmins", List.of(new OrgConfig.Grant("prod", "Administrator")))),
                List.of(new OrgConfig.User("Alice", List.of("InfosecAdmins")),
                        new OrgConfig.User("Bob", List.of("InfosecAdmins"))),
                PASSWORDS, null);
    }

    private static String id(String key) {
        return "infosec".equals(key) ? INFOSEC : PROD;
    }

    private static List<String> rendered(Plan plan) {
        return plan.changes().stream().map(Change::render).toList();
    }

    private static NoSuchEntityException noSuchEntity() {
        return (NoSuchEntityException) NoSuchEntityException.builder().statusCode(404)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("NoSuchEntity").build()).build();
    }

    /** An identity account as a careless admin left it. */
    private static final class DriftedIam implements IamClient {
        final String assumeRoles = Json.write(PolicyDocuments.assumeRoles(
                List.of(Names.roleArn(PARTITION, PROD, "Administrator"))));

        @Override
        public GetAccountPasswordPolicyResponse getAccountPasswordPolicy(GetAccountPasswordPolicyRequest r) {
            return GetAccountPasswordPolicyResponse.builder().passwordPolicy(PasswordPolicy.builder()
                    .minimumPasswordLength(8).requireUppercaseCharacters(true).requireLowercaseCharacters(true)
                    .requireNumbers(true).requireSymbols(true).passwordReusePrevention(24).maxPasswordAge(90)
                    .allowUsersToChangePassword(true).build()).build();
        }

        @Override
        public GetGroupResponse getGroup(GetGroupRequest r) {
            if (!"InfosecAdmins".equals(r.groupName())) {
                throw noSuchEntity(); // AllUsers was deleted
            }
            // Bob's membership was removed, Mallory added by hand
            return GetGroupResponse.builder().group(Group.builder().groupName("InfosecAdmins").path(Names.IAM_PATH)
                            .build())
                    .users(User.builder().userName("Alice").build(), User.builder().userName("Mallory").build())
                    .isTruncated(false).build();
        }

        @Override
        public ListGroupPoliciesResponse listGroupPolicies(ListGroupPoliciesRequest r) {
            return ListGroupPoliciesResponse.builder().policyNames(Directory.ASSUME_ROLES_POLICY).isTruncated(false)
                    .build();
        }

        @Override
        public GetGroupPolicyResponse getGroupPolicy(GetGroupPolicyRequest r) {
            return GetGroupPolicyResponse.builder().groupName(r.groupName()).policyName(r.policyName())
                    .policyDocument(assumeRoles).build();
        }

        @Override
        public ListAttachedGroupPoliciesResponse listAttachedGroupPolicies(ListAttachedGroupPoliciesRequest r) {
            return ListAttachedGroupPoliciesResponse.builder().isTruncated(false).build();
        }

        @Override
        public GetUserResponse getUser(GetUserRequest r) {
            if ("Bob".equals(r.userName())) {
                throw noSuchEntity();
            }
            return GetUserResponse.builder().user(User.builder().userName(r.userName())
                    .tags(Tag.builder().key(Names.MANAGED_TAG).value("true").build()).build()).build();
        }

        @Override
        public ListGroupsResponse listGroups(ListGroupsRequest r) {
            return ListGroupsResponse.builder().groups(Group.builder().groupName("InfosecAdmins").build())
                    .isTruncated(false).build();
        }

        @Override
        public String serviceName() {
            return "iam";
        }

        @Override
        public void close() {}
    }

    @Test
    void directoryPlan_whenDrifted_namesEachItemAndChangesNothing() {
        Directory.Planned planned = new Directory(new DriftedIam(), PARTITION, INFOSEC_ACCOUNT)
                .plan(config(), PlannerTest::id);

        assertThat(rendered(planned.plan())).containsExactly(
                "+ iam:group infosec/AllUsers",
                "+ iam:user infosec/Bob",
                "+ iam:group-membership infosec/AllUsers Alice",
                "+ iam:group-membership infosec/AllUsers Bob",
                "+ iam:group-membership infosec/InfosecAdmins Bob",
                "- iam:group-membership infosec/InfosecAdmins Mallory");
        assertThat(planned.result().retired()).containsExactly("Mallory");
    }

    /** An account whose Block Public Access has {@code block} (none: S3 Control answers 404). */
    private static S3ControlClient publicAccessBlock(PublicAccessBlockConfiguration block) {
        return new S3ControlClient() {
            @Override
            public GetPublicAccessBlockResponse getPublicAccessBlock(GetPublicAccessBlockRequest r) {
                assertThat(r.accountId()).isEqualTo(PROD);
                if (block == null) {
                    throw S3ControlException.builder().statusCode(404).awsErrorDetails(AwsErrorDetails.builder()
                            .errorCode("NoSuchPublicAccessBlockConfiguration").build()).build();
                }
                return GetPublicAccessBlockResponse.builder().publicAccessBlockConfiguration(block).build();
            }

            @Override
            public String serviceName() {
                return "s3";
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void accountSettingsPlan_whenDrifted_namesEachSettingAndChangesNothing() {
        PublicAccessBlockConfiguration halfOpen = AccountSettings.BLOCK_ALL.toBuilder().blockPublicPolicy(false)
                .restrictPublicBuckets(null).build();

        Plan plan = new AccountSettings(new DriftedIam(), publicAccessBlock(halfOpen), PROD_ACCOUNT, PROD)
                .plan(PASSWORDS);

        assertThat(rendered(plan)).containsExactly(
                "~ iam:password-policy prod minimumLength: expected 14 actual 8",
                "~ s3:account-public-access-block prod blockPublicPolicy: expected true actual false",
                "~ s3:account-public-access-block prod restrictPublicBuckets: expected true actual false");
        Change password = plan.changes().get(0);
        assertThat(password.expected()).isEqualTo(14);
        assertThat(password.actual()).isEqualTo(8);
    }

    @Test
    void accountSettingsPlan_whenTheAccountHasNoBlockPublicAccess_createsIt() {
        Plan plan = new AccountSettings(new DriftedIam(), publicAccessBlock(null), PROD_ACCOUNT, PROD)
                .planPublicAccessBlock();

        assertThat(rendered(plan)).containsExactly("+ s3:account-public-access-block prod");
    }

    @Test
    void accountSettingsPlan_whenEverySettingIsOn_isEmpty() {
        Plan plan = new AccountSettings(new DriftedIam(), publicAccessBlock(AccountSettings.BLOCK_ALL), PROD_ACCOUNT,
                PROD).planPublicAccessBlock();

        assertThat(plan.isEmpty()).isTrue();
    }

    @Test
    void rolesPlan_whenOneIsMissingAndOneDrifted_createsOneAndUpdatesTheOther() {
        IamClient iam = new IamClient() {
            @Override
            public GetRoleResponse getRole(GetRoleRequest r) {
                if ("Developer".equals(r.roleName())) {
                    throw noSuchEntity();
                }
                return GetRoleResponse.builder().role(Role.builder().roleName(r.roleName())
                        .arn(Names.roleArn(PARTITION, PROD, r.roleName()))
                        .assumeRolePolicyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                                + "\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}")
                        .maxSessionDuration(ApplyAccounts.MAX_SESSION_SECONDS).description("Admins").build()).build();
            }

            @Override
            public ListAttachedRolePoliciesResponse listAttachedRolePolicies(ListAttachedRolePoliciesRequest r) {
                return ListAttachedRolePoliciesResponse.builder().isTruncated(false).attachedPolicies(
                        AttachedPolicy.builder().policyArn("arn:aws:iam::aws:policy/ReadOnlyAccess").build()).build();
            }

            @Override
            public String serviceName() {
                return "iam";
            }

            @Override
            public void close() {}
        };
        List<AccountReport.Role> roles = new ArrayList<>();

        Plan plan = ApplyAccounts.planRoles(iam, PARTITION, PROD_ACCOUNT, config(), INFOSEC, roles);

        List<String> changes = rendered(plan);
        assertThat(changes).hasSize(4);
        assertThat(changes.get(0)).startsWith("~ iam:role prod/Administrator trust: expected {")
                .contains("arn:aws:iam::111111111111:root").endsWith("actual {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}");
        assertThat(changes.subList(1, 4)).containsExactly(
                "~ iam:role prod/Administrator policy: expected \"arn:aws:iam::aws:policy/AdministratorAccess\" "
                        + "actual [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]",
                "- iam:role-policy-attachment prod/Administrator arn:aws:iam::aws:policy/ReadOnlyAccess",
                "+ iam:role prod/Developer");
        assertThat(roles).extracting(AccountReport.Role::arn).containsExactly(
                "arn:aws:iam::222222222222:role/Administrator", "arn:aws:iam::222222222222:role/Developer");
    }

    private static CloudTrailClient trail(Trail trail, boolean logging) {
        return new CloudTrailClient() {
            @Override
            public GetTrailResponse getTrail(GetTrailRequest r) {
                if (trail == null) {
                    throw TrailNotFoundException.builder().message("no trail").build();
                }
                return GetTrailResponse.builder().trail(trail).build();
            }

            @Override
            public GetTrailStatusResponse getTrailStatus(GetTrailStatusRequest r) {
                return GetTrailStatusResponse.builder().isLogging(logging).build();
            }

            @Override
            public String serviceName() {
                return "cloudtrail";
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void trailPlan_whenStopped_plansLoggingOnly() {
        String alias = TrailKey.aliasArn(PARTITION, "us-east-1", INFOSEC);
        Trail current = Trail.builder().name(Names.TRAIL).trailARN("arn:aws:cloudtrail:us-east-1:222:trail/x")
                .s3BucketName("b").isMultiRegionTrail(true).logFileValidationEnabled(true)
                .includeGlobalServiceEvents(true).kmsKeyId(alias).build();
        String[] arn = {null};

        Plan plan = ApplyAccounts.planTrail(trail(current, false), PROD_ACCOUNT, "b", () -> alias, alias, null,
                a -> arn[0] = a);

        assertThat(rendered(plan)).containsExactly(
                "~ cloudtrail:trail prod/palisade-trail logging: expected true actual false");
        assertThat(arn[0]).isEqualTo("arn:aws:cloudtrail:us-east-1:222:trail/x");
    }

    @Test
    void trailPlan_whenSettingsDiffer_namesEachWithExpectedAndActual() {
        String alias = TrailKey.aliasArn(PARTITION, "us-east-1", INFOSEC);
        Trail current = Trail.builder().name(Names.TRAIL).s3BucketName("other").s3KeyPrefix("logs")
                .isMultiRegionTrail(false).logFileValidationEnabled(true).includeGlobalServiceEvents(true).build();

        Plan plan = ApplyAccounts.planTrail(trail(current, true), PROD_ACCOUNT, "b", () -> alias, alias, null,
                a -> {});

        assertThat(rendered(plan)).containsExactly(
                "~ cloudtrail:trail prod/palisade-trail s3BucketName: expected \"b\" actual \"other\"",
                "~ cloudtrail:trail prod/palisade-trail s3KeyPrefix: expected \"\" actual \"logs\"",
                "~ cloudtrail:trail prod/palisade-trail multiRegion: expected true actual false",
                "~ cloudtrail:trail prod/palisade-trail kmsKeyId: expected \"" + alias + "\" actual null");
    }

    @Test
    void trailPlan_whenMissing_isOneCreateAndReadsNoStatus() {
        Plan plan = ApplyAccounts.planTrail(trail(null, false), PROD_ACCOUNT, "b", () -> "k", "k", null, a -> {});

        assertThat(rendered(plan)).containsExactly("+ cloudtrail:trail prod/palisade-trail");
    }

    @Test
    void bucketPlan_whenMissing_isOneCreateAndReadsNothingUnderIt() {
        S3Client s3 = new S3Client() {
            @Override
            public HeadBucketResponse headBucket(HeadBucketRequest r) {
                throw S3Exception.builder().statusCode(404).build();
            }

            @Override
            public String serviceName() {
                return "s3";
            }

            @Override
            public void close() {}
        };

        Plan plan = new io.palisade.common.aws.BucketBaseline(s3, Region.US_EAST_1).plan(INFOSEC_ACCOUNT, "b",
                Json.MAPPER.valueToTree(Map.of("Version", "2012-10-17", "Statement", List.of())));

        assertThat(rendered(plan)).containsExactly("+ s3:bucket infosec/b");
    }

    @Test
    void accountTask_whenReadFromAPayloadWithoutMode_isABootstrapTask() {
        String target = "{\"target\":{\"key\":\"prod\",\"accountId\":\"" + PROD + "\"}";

        assertThat(Json.read(target + "}", AccountTask.class).planOnly()).isFalse();
        assertThat(Json.read(target + ",\"mode\":\"drift\"}", AccountTask.class).planOnly()).isTrue();
        assertThat(Json.read(target + ",\"mode\":\"drift\",\"repair\":true}", AccountTask.class).planOnly())
                .isFalse();
    }

    @Test
    void planOnly_whenPlanOrDriftWithoutRepair_isTrue() {
        var target = new RunState.Target("prod", PROD);

        assertThat(new AccountTask(target, null, null, null, null).planOnly()).isFalse();
        assertThat(new AccountTask(target, null, null, null, null, "bootstrap", null).planOnly()).isFalse();
        assertThat(new AccountTask(target, null, null, null, null, "plan", null).planOnly()).isTrue();
        assertThat(new AccountTask(target, null, null, null, null, "drift", null).planOnly()).isTrue();
        assertThat(new AccountTask(target, null, null, null, null, "drift", false).planOnly()).isTrue();
        assertThat(new AccountTask(target, null, null, null, null, "drift", true).planOnly()).isFalse();
    }
}
