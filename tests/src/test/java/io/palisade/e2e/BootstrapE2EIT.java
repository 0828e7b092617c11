package io.palisade.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.Emulator;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * The deployed state machine (MiniStack) bootstraps an organization in moto; every assertion
 * reads the emulated organization through the SDK, never Palisade's own report — except where
 * noted (the encrypted one-time password, which only the output carries).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootstrapE2EIT {
    private static final String ROOT_PATTERN =
            "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }";

    private static Workflow workflow;
    private static Clients clients;
    private static OrgConfig config;
    private static Gpg gpg;
    private static String publicKey;
    private static Map<String, String> ids;
    private static String management;

    @BeforeAll
    static void setUp() throws Exception {
        workflow = Workflow.deployed();
        clients = Emulator.clients();
        config = Emulator.config("e2e" + Long.toString(System.nanoTime(), 36).substring(0, 6));
        gpg = Gpg.inTempHome();
        publicKey = gpg.generateAndExport("ExampleAdmin <admin@example.com>");
    }

    private static Map<String, Object> input(OrgConfig cfg, Map<String, Object> login) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("mode", "bootstrap");
        in.put("config", cfg);
        if (login != null) {
            in.put("oneTimeLogin", login);
        }
        return in;
    }

    @Test
    @Order(1)
    void bootstrap_whenFreshOrganization_buildsTheSeedOrganizationAndLeavesNoTempAdmin() throws Exception {
        long t0 = System.nanoTime();
        DescribeExecutionResponse run = workflow.run(input(config,
                Map.of("user", "ExampleAdmin", "publicKey", publicKey)));
        System.out.printf("first bootstrap: %s in %.1f s%n", run.status(), (System.nanoTime() - t0) / 1e9);
        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);

        // accounts, found by email in the organization
        OrganizationsClient orgs = clients.build(OrganizationsClient.builder());
        List<Account> all = new ArrayList<>();
        orgs.listAccountsPaginator(r -> {}).forEach(p -> all.addAll(p.accounts()));
        ids = new HashMap<>();
        for (OrgConfig.Account a : config.accounts()) {
            List<Account> matches = all.stream().filter(x -> x.email().equals(a.email())).toList();
            assertThat(matches).as("accounts with email " + a.email()).hasSize(1);
            ids.put(a.key(), matches.get(0).id());
        }
        management = orgs.describeOrganization().organization().masterAccountId();
        ids.put(OrgConfig.MANAGEMENT, management);
        String infosec = ids.get("infosec");

        // state bucket and record in InfoSec
        S3Client s3 = clients.s3(access(infosec));
        String stateBucket = config.organization().name() + "-palisade-state-" + infosec;
        assertHardenedBucket(s3, stateBucket);
        JsonNode record = Json.read(s3.getObjectAsBytes(r -> r.bucket(stateBucket).key("palisade/state.json"))
                .asUtf8String(), JsonNode.class);
        assertThat(record.path("configDigest").asText()).hasSize(64);
        assertThat(record.path("accounts")).hasSize(3);
        assertThat(record.path("lock").isMissingNode() || record.path("lock").isNull()).isTrue();
        JsonNode last = record.path("history").get(record.path("history").size() - 1);
        assertThat(last.path("status").asText()).isEqualTo("SUCCEEDED");

        // InfoSec: password policy, groups, users
        IamClient iam = iam(infosec);
        PasswordPolicy pp = iam.getAccountPasswordPolicy().passwordPolicy();
        assertThat(pp.minimumPasswordLength()).isGreaterThanOrEqualTo(14);
        assertThat(pp.passwordReusePrevention()).isEqualTo(24);
        assertThat(pp.requireSymbols() && pp.requireNumbers() && pp.requireUppercaseCharacters()
                && pp.requireLowercaseCharacters()).isTrue();
        for (OrgConfig.Group g : config.groups()) {
            List<String> resources = assumableRoles(iam, g.name());
            List<String> expected = g.assume().stream()
                    .map(x -> "arn:aws:iam::" + ids.get(x.account()) + ":role/" + x.role()).toList();
            assertThat(resources).as("roles group " + g.name() + " may assume").containsExactlyInAnyOrderElementsOf(expected);
        }
        String allUsers = String.join("\n", groupPolicies(iam, "AllUsers"));
        assertThat(allUsers).contains("DenyAllExceptListedIfNoMFA").contains("aws:MultiFactorAuthPresent");
        for (OrgConfig.User u : config.users()) {
            List<String> groups = iam.listGroupsForUser(r -> r.userName(u.name())).groups().stream()
                    .map(x -> x.groupName()).toList();
            assertThat(groups).containsAll(u.groups()).contains("AllUsers");
        }

        // roles everywhere: trust InfoSec only, with MFA; the configured managed policy
        for (String key : List.of("infosec", "prod", "non-prod", OrgConfig.MANAGEMENT)) {
            IamClient accountIam = iam(ids.get(key));
            for (String role : config.rolesIn(key)) {
                var r = accountIam.getRole(x -> x.roleName(role)).role();
                String trust = URLDecoder.decode(r.assumeRolePolicyDocument(), StandardCharsets.UTF_8);
                assertThat(trust).contains("arn:aws:iam::" + infosec + ":root").contains("aws:MultiFactorAuthPresent");
                assertThat(accountIam.listAttachedRolePolicies(x -> x.roleName(role)).attachedPolicies())
                        .extracting(p -> p.policyArn())
                        .containsExactly("arn:aws:iam::aws:policy/" + config.roles().get(role).policy());
            }
        }

        // CloudTrail everywhere into the central bucket; root-usage alarms and rules
        String trailBucket = config.organization().name() + "-palisade-trail-" + infosec;
        assertHardenedBucket(s3, trailBucket);
        String trailPolicy = s3.getBucketPolicy(r -> r.bucket(trailBucket)).policy();
        for (String key : List.of("infosec", "prod", "non-prod", OrgConfig.MANAGEMENT)) {
            String id = ids.get(key);
            assertThat(trailPolicy).contains("arn:aws:cloudtrail:us-east-1:" + id + ":trail/palisade-trail")
                    .contains("AWSLogs/" + id + "/*");
            CloudTrailClient ct = clients.build(CloudTrailClient.builder(), access(id));
            var trail = ct.getTrail(r -> r.name("palisade-trail")).trail();
            assertThat(trail.s3BucketName()).isEqualTo(trailBucket);
            assertThat(trail.isMultiRegionTrail()).isTrue();
            assertThat(trail.logFileValidationEnabled()).isTrue();
            assertThat(trail.includeGlobalServiceEvents()).isTrue();
            assertThat(trail.cloudWatchLogsLogGroupArn()).contains("palisade/cloudtrail");
            assertThat(ct.getTrailStatus(r -> r.name("palisade-trail")).isLogging()).isTrue();

            CloudWatchLogsClient logs = clients.build(CloudWatchLogsClient.builder(), access(id));
            var filters = logs.describeMetricFilters(r -> r.logGroupName("palisade/cloudtrail")).metricFilters();
            assertThat(filters).extracting(f -> f.filterPattern()).containsExactly(ROOT_PATTERN);
            CloudWatchClient cw = clients.build(CloudWatchClient.builder(), access(id));
            MetricAlarm alarm = cw.describeAlarms(r -> r.alarmNames("palisade-root-usage")).metricAlarms().get(0);
            assertThat(alarm.statisticAsString()).isEqualTo("Sum");
            assertThat(alarm.threshold()).isEqualTo(1.0);
            assertThat(alarm.period()).isEqualTo(300);
            assertThat(alarm.comparisonOperatorAsString()).isEqualTo("GreaterThanOrEqualToThreshold");
            String topic = "arn:aws:sns:us-east-1:" + id + ":palisade-root-alerts";
            assertThat(alarm.alarmActions()).containsExactly(topic);
            SnsClient sns = clients.build(SnsClient.builder(), access(id));
            assertThat(sns.listSubscriptionsByTopic(r -> r.topicArn(topic)).subscriptions())
                    .extracting(x -> x.endpoint()).containsExactlyElementsOf(config.alerts().emails());
            EventBridgeClient events = clients.build(EventBridgeClient.builder(), access(id));
            assertThat(events.describeRule(r -> r.name("palisade-root-activity")).eventPattern())
                    .contains("AWS Console Sign In via CloudTrail").contains("Root");
            assertThat(events.listTargetsByRule(r -> r.rule("palisade-root-activity")).targets())
                    .extracting(t -> t.arn()).containsExactly(topic);
        }

        assertNoTempAdmin();

        // the one-time password: only the output carries it, encrypted; gpg decrypts it
        JsonNode output = Json.read(run.output(), JsonNode.class);
        String armored = output.path("login").path("encryptedPassword").asText();
        assertThat(armored).startsWith("-----BEGIN PGP MESSAGE-----");
        assertThat(run.output()).doesNotContain("secretAccessKey").doesNotContain("SecretAccessKey");
        String password = gpg.decrypt(armored).strip();
        assertThat(password.length()).isGreaterThanOrEqualTo(pp.minimumPasswordLength());
        assertThat(password).containsPattern("[A-Z]").containsPattern("[a-z]").containsPattern("[0-9]")
                .containsPattern("[^A-Za-z0-9]");
        assertThat(run.output()).doesNotContain(password);
        assertThat(iam.getLoginProfile(r -> r.userName("ExampleAdmin")).loginProfile().passwordResetRequired())
                .isTrue();
    }

    @Test
    @Order(2)
    void rerun_whenConfigUnchanged_makesNoChangingCallToTheBaseline() throws Exception {
        MotoRecorder recorder = new MotoRecorder();
        recorder.start();
        DescribeExecutionResponse run = workflow.run(input(config, null));
        List<MotoRecorder.Call> calls = recorder.stop();
        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);

        List<MotoRecorder.Call> changing = calls.stream().filter(MotoRecorder.Call::changes).toList();
        List<String> baseline = changing.stream().filter(c -> !c.bookkeeping()).map(MotoRecorder.Call::operation)
                .toList();
        Map<String, Long> bookkeeping = changing.stream().filter(MotoRecorder.Call::bookkeeping)
                .collect(Collectors.groupingBy(MotoRecorder.Call::operation, Collectors.counting()));
        System.out.printf("re-run: %d calls recorded, %d changing: %d run bookkeeping %s, %d baseline %s%n",
                calls.size(), changing.size(), changing.size() - baseline.size(), bookkeeping, baseline.size(),
                baseline);
        assertThat(calls).as("the recorder saw the run").hasSizeGreaterThan(50);
        assertThat(bookkeeping).as("temp-admin lifecycle is recorded").containsKey("iam:CreateUser");
        assertThat(baseline).as("changing calls to the organization's baseline").isEmpty();
        assertNoTempAdmin();
    }

    @Test
    @Order(3)
    void rerun_whenConfigChanged_converges() {
        List<OrgConfig.User> users = new ArrayList<>();
        for (OrgConfig.User u : config.users()) {
            users.add(u.name().equals("ExampleDeveloper")
                    ? new OrgConfig.User(u.name(), List.of("ProdDevelopers")) : u);
        }
        users.add(new OrgConfig.User("ExampleAuditor", List.of("NonProdDevelopers")));
        OrgConfig changed = new OrgConfig(config.organization(), config.identityAccount(), config.accounts(),
                config.roles(), config.groups(), users, config.passwordPolicy(), config.alerts());

        DescribeExecutionResponse run = workflow.run(input(changed, null));
        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);

        IamClient iam = iam(ids.get("infosec"));
        assertThat(iam.listGroupsForUser(r -> r.userName("ExampleAuditor")).groups())
                .extracting(g -> g.groupName()).containsExactlyInAnyOrder("AllUsers", "NonProdDevelopers");
        assertThat(iam.listGroupsForUser(r -> r.userName("ExampleDeveloper")).groups())
                .extracting(g -> g.groupName()).containsExactlyInAnyOrder("AllUsers", "ProdDevelopers");
        config = changed;
    }

    @Test
    @Order(4)
    void run_whenLoginKeyMalformed_failsWithNamedErrorAndLeavesNoTempAdmin() {
        String malformed = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n";
        String inbox = workflow.subscribeToRunResults();
        DescribeExecutionResponse run = workflow.run(input(config, Map.of("user", "ExampleAdmin",
                "publicKey", malformed)));
        assertThat(run.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(run.error()).isEqualTo("io.palisade.common.errors.InvalidPublicKeyException");
        assertNoTempAdmin();
        assertThat(workflow.runResults(inbox)).anySatisfy(m -> assertThat(m).contains("FAILED")
                .contains("IssueOneTimeLogin").contains("InvalidPublicKeyException"));

        String infosec = ids.get("infosec");
        S3Client s3 = clients.s3(access(infosec));
        JsonNode record = Json.read(s3.getObjectAsBytes(r -> r.bucket(config.organization().name()
                + "-palisade-state-" + infosec).key("palisade/state.json")).asUtf8String(), JsonNode.class);
        JsonNode last = record.path("history").get(record.path("history").size() - 1);
        assertThat(last.path("status").asText()).isEqualTo("FAILED");
        assertThat(last.path("failedPhase").asText()).isEqualTo("IssueOneTimeLogin");
        assertThat(last.path("cause").asText()).contains("InvalidPublicKeyException");
        assertThat(record.path("lock").isMissingNode() || record.path("lock").isNull()).isTrue();
    }

    @Test
    @Order(5)
    void run_whenConfigInvalid_failsBeforeAnyChangeNamingTheField() throws Exception {
        List<OrgConfig.Account> accounts = new ArrayList<>(config.accounts());
        accounts.add(new OrgConfig.Account("sandbox", "Sandbox", config.accounts().get(1).email(), List.of()));
        OrgConfig invalid = new OrgConfig(config.organization(), config.identityAccount(), accounts,
                config.roles(), config.groups(), config.users(), config.passwordPolicy(), config.alerts());
        MotoRecorder recorder = new MotoRecorder();
        recorder.start();
        DescribeExecutionResponse run = workflow.run(input(invalid, null));
        List<MotoRecorder.Call> changing = recorder.stop().stream().filter(MotoRecorder.Call::changes).toList();
        assertThat(run.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(run.error()).isEqualTo("io.palisade.common.errors.InvalidConfigException");
        assertThat(run.cause()).contains("accounts[3].email");
        assertThat(changing).as("changing calls after invalid input").isEmpty();
    }

    @Test
    @Order(6)
    void drift_whenScheduledInputHasNoConfig_reusesLastConfigAndRepairsDrift() {
        // drift made by hand: a user leaves a group, a trail stops logging
        IamClient iam = iam(ids.get("infosec"));
        iam.removeUserFromGroup(r -> r.userName("ExampleAdmin").groupName("ProdAdmins"));
        CloudTrailClient prodTrail = clients.build(CloudTrailClient.builder(), access(ids.get("prod")));
        prodTrail.stopLogging(r -> r.name("palisade-trail"));

        DescribeExecutionResponse run = workflow.run(Map.of("mode", "drift"));
        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);

        assertThat(iam.listGroupsForUser(r -> r.userName("ExampleAdmin")).groups())
                .extracting(g -> g.groupName()).contains("ProdAdmins");
        assertThat(prodTrail.getTrailStatus(r -> r.name("palisade-trail")).isLogging()).isTrue();
        assertNoTempAdmin();
    }

    private static void assertNoTempAdmin() {
        IamClient iam = iam(ids.get("infosec"));
        assertThat(iam.listUsers().users()).extracting(u -> u.userName()).doesNotContain("PalisadeTempAdmin");
        for (String id : ids.values()) {
            IamClient accountIam = iam(id);
            try {
                accountIam.getRole(r -> r.roleName("PalisadeBootstrap"));
                throw new AssertionError("PalisadeBootstrap role left in " + id);
            } catch (NoSuchEntityException expected) {
                // removed
            }
        }
        SecretsManagerClient secrets = clients.build(SecretsManagerClient.builder());
        assertThat(secrets.listSecrets().secretList()).extracting(s -> s.name()).doesNotContain("palisade/temp-admin");
    }

    private static void assertHardenedBucket(S3Client s3, String bucket) {
        assertThat(s3.getBucketVersioning(r -> r.bucket(bucket)).statusAsString()).isEqualTo("Enabled");
        assertThat(s3.getBucketEncryption(r -> r.bucket(bucket)).serverSideEncryptionConfiguration().rules())
                .isNotEmpty();
        var pab = s3.getPublicAccessBlock(r -> r.bucket(bucket)).publicAccessBlockConfiguration();
        assertThat(pab.blockPublicAcls() && pab.ignorePublicAcls() && pab.blockPublicPolicy()
                && pab.restrictPublicBuckets()).isTrue();
        assertThat(s3.getBucketPolicy(r -> r.bucket(bucket)).policy()).contains("aws:SecureTransport");
    }

    private static List<String> assumableRoles(IamClient iam, String group) {
        List<String> out = new ArrayList<>();
        for (String doc : groupPolicies(iam, group)) {
            JsonNode policy = Json.read(doc, JsonNode.class);
            for (JsonNode st : policy.path("Statement")) {
                if (st.path("Action").asText().equals("sts:AssumeRole")) {
                    JsonNode res = st.path("Resource");
                    if (res.isArray()) {
                        res.forEach(x -> out.add(x.asText()));
                    } else {
                        out.add(res.asText());
                    }
                }
            }
        }
        return out;
    }

    private static List<String> groupPolicies(IamClient iam, String group) {
        return iam.listGroupPolicies(r -> r.groupName(group)).policyNames().stream()
                .map(n -> URLDecoder.decode(iam.getGroupPolicy(r -> r.groupName(group).policyName(n)).policyDocument(),
                        StandardCharsets.UTF_8))
                .toList();
    }

    private static AwsCredentialsProvider access(String accountId) {
        return accountId.equals(management) ? clients.baseCredentials() : Emulator.orgAccess(clients, accountId);
    }

    private static IamClient iam(String accountId) {
        return clients.cached("e2e-iam|" + accountId, () -> clients.build(IamClient.builder(), access(accountId)));
    }
}
