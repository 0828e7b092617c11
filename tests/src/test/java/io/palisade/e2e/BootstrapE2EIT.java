package io.palisade.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.MotoRecorder;
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

        ids = OrganizationChecks.assertBuilt(clients, config);
        management = ids.get(OrgConfig.MANAGEMENT);
        IamClient iam = iam(ids.get("infosec"));
        PasswordPolicy pp = iam.getAccountPasswordPolicy().passwordPolicy();

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
    void rerun_whenAMemberRootHasAnAccessKey_reportsItAndKeepsIt() throws Exception {
        String prod = ids.get("prod");
        IamClient asProdRoot = clients.build(IamClient.builder()); // the harness key acts as prod's root user
        String key = asProdRoot.createAccessKey(r -> r.overrideConfiguration(o -> o.putHeader(
                "x-moto-account-id", prod))).accessKey().accessKeyId();
        try {
            DescribeExecutionResponse run = workflow.run(input(config, null));

            assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
            String digest = Json.read(run.output(), JsonNode.class).path("report").path("digest").asText();
            System.out.println("re-run with a member root access key:\n" + digest);
            assertThat(digest).contains("! iam:root-access-key prod/" + key);
            assertThat(asProdRoot.listAccessKeys(r -> r.overrideConfiguration(o -> o.putHeader(
                    "x-moto-account-id", prod))).accessKeyMetadata()).as("the config keeps root credentials")
                    .extracting(k -> k.accessKeyId()).containsExactly(key);
        } finally {
            asProdRoot.deleteAccessKey(r -> r.accessKeyId(key).overrideConfiguration(o -> o.putHeader(
                    "x-moto-account-id", prod)));
        }
    }

    @Test
    @Order(4)
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
                .extracting(g -> g.groupName()).containsExactlyInAnyOrder(Names.ALL_USERS_GROUP, "NonProdDevelopers");
        assertThat(iam.listGroupsForUser(r -> r.userName("ExampleDeveloper")).groups())
                .extracting(g -> g.groupName()).containsExactlyInAnyOrder(Names.ALL_USERS_GROUP, "ProdDevelopers");
        config = changed;
    }

    @Test
    @Order(5)
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
        JsonNode record = Json.read(s3.getObjectAsBytes(r -> r.bucket(Names.stateBucket(config.organization().name(), infosec))
                .key(Names.STATE_KEY)).asUtf8String(), JsonNode.class);
        JsonNode last = record.path("history").get(record.path("history").size() - 1);
        assertThat(last.path("status").asText()).isEqualTo("FAILED");
        assertThat(last.path("failedPhase").asText()).isEqualTo("IssueOneTimeLogin");
        assertThat(last.path("cause").asText()).contains("InvalidPublicKeyException");
        assertThat(record.path("lock").isMissingNode() || record.path("lock").isNull()).isTrue();
    }

    @Test
    @Order(6)
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
    @Order(7)
    void drift_whenScheduledInputHasNoConfigAndAsksForRepair_reusesLastConfigAndRepairsDrift() {
        // drift made by hand: a user leaves a group, a trail stops logging
        IamClient iam = iam(ids.get("infosec"));
        iam.removeUserFromGroup(r -> r.userName("ExampleAdmin").groupName("ProdAdmins"));
        CloudTrailClient prodTrail = clients.build(CloudTrailClient.builder(), access(ids.get("prod")));
        prodTrail.stopLogging(r -> r.name(Names.TRAIL));

        DescribeExecutionResponse run = workflow.run(Map.of("mode", "drift", "repair", true));
        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);

        assertThat(iam.listGroupsForUser(r -> r.userName("ExampleAdmin")).groups())
                .extracting(g -> g.groupName()).contains("ProdAdmins");
        assertThat(prodTrail.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging()).isTrue();
        assertNoTempAdmin();
    }

    private static void assertNoTempAdmin() {
        OrganizationChecks.assertNoTempAdmin(clients, ids);
    }

    private static AwsCredentialsProvider access(String accountId) {
        return OrganizationChecks.access(clients, ids, accountId);
    }

    private static IamClient iam(String accountId) {
        return OrganizationChecks.iam(clients, ids, accountId);
    }
}
