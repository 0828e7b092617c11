package io.palisade.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.Emulator;
import io.palisade.common.testkit.MotoRecorder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * Plan and drift, end to end: the deployed state machine (MiniStack) reads the organization in
 * moto, {@code scripts/run.py --mode plan} (what {@code ./palisade plan} runs) prints the change
 * set with terraform's exit codes, a drift run without repair changes nothing (moto's recorder
 * is the witness) and sends a digest naming every drifted item (read from an SQS queue
 * subscribed to the run topic), and a drift run with repair converges.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftE2EIT {
    private static Workflow workflow;
    private static Clients clients;
    private static OrgConfig config;
    private static Map<String, String> ids;
    private static Path configFile;

    /** The six hand drifts, each as the plan line that must name it. */
    private static final List<Expected> DRIFTS = List.of(
            new Expected("unmanaged user in a managed group",
                    "- iam:group-membership infosec/InfosecAdmins Mallory"::equals),
            new Expected("password policy lowered",
                    "~ iam:password-policy infosec minimumLength: expected 14 actual 8"::equals),
            new Expected("membership removed",
                    "+ iam:group-membership infosec/ProdAdmins ExampleAdmin"::equals),
            new Expected("Prod trail stopped",
                    "~ cloudtrail:trail prod/palisade-trail logging: expected true actual false"::equals),
            new Expected("Prod Administrator trust opened to *",
                    l -> l.startsWith("~ iam:role prod/Administrator trust: expected ")
                            && l.substring(l.indexOf(" actual ")).contains("\"AWS\":\"*\"")),
            new Expected("Non-Prod root-usage alarm deleted",
                    ("+ cloudwatch:alarm non-prod/" + Names.ROOT_USAGE_ALARM)::equals));

    private record Expected(String what, Predicate<String> line) {}

    private record Cli(int exit, String out, String err) {}

    @BeforeAll
    static void setUp() throws IOException {
        workflow = Workflow.deployed();
        clients = Emulator.clients();
        config = Workflow.freshConfig("drift");
        configFile = Files.createTempFile("palisade-drift", ".yaml");
        Files.writeString(configFile, Json.write(config)); // JSON is YAML
        DescribeExecutionResponse run = workflow.run(Workflow.bootstrap(config));
        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        ids = OrganizationChecks.accountIds(clients, config);
    }

    @Test
    @Order(1)
    void plan_whenTheOrganizationMatchesTheConfig_exitsZeroWithNoChanges() throws Exception {
        Cli plan = plan();
        assertThat(plan.exit()).as(plan.out() + plan.err()).isZero();
        assertThat(plan.out()).contains("No changes.");
    }

    @Test
    @Order(2)
    void plan_afterSixHandDrifts_exitsTwoAndListsExactlyThem() throws Exception {
        driftByHand();

        Cli plan = plan();
        System.out.println("./palisade plan after six hand drifts:\n" + plan.out());
        assertThat(plan.exit()).as(plan.out() + plan.err()).isEqualTo(2);
        List<String> lines = changeLines(plan.out());
        assertExactlyTheDrifts(lines, "plan");
        assertThat(plan.out()).contains("Plan: 2 to add, 3 to change, 1 to remove.");
    }

    @Test
    @Order(3)
    void driftRun_withoutRepair_changesNothingCreatesNoUserAndSendsADigestNamingEachItem() throws Exception {
        String inbox = workflow.subscribeToRunResults();
        MotoRecorder recorder = new MotoRecorder();
        recorder.start();
        DescribeExecutionResponse run = workflow.run(Map.of("mode", "drift")); // the schedule's input
        List<MotoRecorder.Call> calls = recorder.stop();
        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);

        String runId = run.name();
        List<MotoRecorder.Call> changing = calls.stream().filter(MotoRecorder.Call::changes).toList();
        // the run's own record, which the issue asks for: its report objects and its history entry
        Predicate<MotoRecorder.Call> record = c -> c.url().contains("/reports/" + runId + ".")
                || c.url().contains("/" + Names.STATE_KEY);
        System.out.printf("drift run without repair: %d calls recorded, %d changing: %s%n", calls.size(),
                changing.size(), changing.stream().map(c -> c.operation() + " " + c.url()).toList());
        assertThat(changing.stream().filter(record.negate()).map(c -> c.operation() + " " + c.url()))
                .as("changing calls to the organization").isEmpty();
        assertThat(changing).as("the report (JSON, Markdown) and the history entry").isNotEmpty()
                .allMatch(c -> c.operation().startsWith("s3:"));
        assertThat(calls).extracting(MotoRecorder.Call::operation).as("no temp-admin: no user, no key")
                .noneMatch(op -> op.endsWith(":CreateUser") || op.endsWith(":CreateAccessKey"));

        String digest = awaitMessage(inbox, m -> m.contains(runId));
        System.out.println("drift digest:\n" + digest);
        assertExactlyTheDrifts(changeLines(digest), "digest");
        assertThat(digest).contains("6 drifted items").contains("not repaired");

        // not repaired: the drift is all still there
        Cli plan = plan();
        assertThat(plan.exit()).isEqualTo(2);
        assertExactlyTheDrifts(changeLines(plan.out()), "plan after the drift run");
    }

    @Test
    @Order(4)
    void driftRun_withRepair_fixesEveryItemAndThePlanIsEmpty() throws Exception {
        DescribeExecutionResponse run = workflow.run(Map.of("mode", "drift", "repair", true));
        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);

        IamClient infosec = iam("infosec");
        assertThat(infosec.getGroup(r -> r.groupName("InfosecAdmins")).users()).extracting(u -> u.userName())
                .containsExactly("ExampleAdmin");
        assertThat(infosec.getGroup(r -> r.groupName("ProdAdmins")).users()).extracting(u -> u.userName())
                .containsExactly("ExampleAdmin");
        assertThat(infosec.getAccountPasswordPolicy().passwordPolicy().minimumPasswordLength()).isEqualTo(14);
        assertThat(trail("prod").getTrailStatus(r -> r.name(Names.TRAIL)).isLogging()).isTrue();
        assertThat(iam("prod").getRole(r -> r.roleName("Administrator")).role().assumeRolePolicyDocument())
                .doesNotContain("%22%2A%22").doesNotContain("\"*\"");
        assertThat(cloudWatch("non-prod").describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms())
                .hasSize(1);
        OrganizationChecks.assertNoTempAdmin(clients, ids);

        Cli plan = plan();
        assertThat(plan.exit()).as(plan.out() + plan.err()).isZero();
        assertThat(plan.out()).contains("No changes.");
    }

    /** What a careless admin or an intruder would do, with the organization's own access role. */
    private static void driftByHand() {
        IamClient infosec = iam("infosec");
        infosec.createUser(r -> r.userName("Mallory"));
        infosec.addUserToGroup(r -> r.groupName("InfosecAdmins").userName("Mallory"));
        PasswordPolicy pp = infosec.getAccountPasswordPolicy().passwordPolicy();
        infosec.updateAccountPasswordPolicy(r -> r.minimumPasswordLength(8)
                .requireSymbols(pp.requireSymbols()).requireNumbers(pp.requireNumbers())
                .requireUppercaseCharacters(pp.requireUppercaseCharacters())
                .requireLowercaseCharacters(pp.requireLowercaseCharacters())
                .allowUsersToChangePassword(pp.allowUsersToChangePassword())
                .maxPasswordAge(pp.maxPasswordAge()).passwordReusePrevention(pp.passwordReusePrevention())
                .hardExpiry(pp.hardExpiry()));
        infosec.removeUserFromGroup(r -> r.groupName("ProdAdmins").userName("ExampleAdmin"));
        trail("prod").stopLogging(r -> r.name(Names.TRAIL));
        iam("prod").updateAssumeRolePolicy(r -> r.roleName("Administrator").policyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
                        + "\"Principal\":{\"AWS\":\"*\"}}]}"));
        cloudWatch("non-prod").deleteAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM));
    }

    private static void assertExactlyTheDrifts(List<String> lines, String where) {
        for (Expected drift : DRIFTS) {
            assertThat(lines).as(where + " names: " + drift.what()).filteredOn(drift.line()).hasSize(1);
        }
        assertThat(lines).as(where + ": exactly the six drifts, nothing else")
                .allMatch(l -> DRIFTS.stream().anyMatch(d -> d.line().test(l)))
                .hasSize(DRIFTS.size());
    }

    /** The change lines of a plan or digest: {@code +}, {@code ~} or {@code -}, a space, a resource type. */
    private static List<String> changeLines(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.matches("[+~-] [a-z0-9-]+:[a-z-]+ .*")) {
                lines.add(l);
            }
        }
        return lines;
    }

    /** {@code ./palisade plan}'s driver, as the CLI runs it (the config already checked by the validator). */
    private static Cli plan() throws Exception {
        Path root = Path.of(System.getenv("PALISADE_ROOT"));
        Path out = Files.createTempFile("plan", ".out");
        Path err = Files.createTempFile("plan", ".err");
        ProcessBuilder pb = new ProcessBuilder(System.getenv("PALISADE_VENV") + "/bin/python",
                root.resolve("scripts/run.py").toString(), "--mode", "plan", "--config", configFile.toString(),
                "--stack", System.getenv().getOrDefault("PALISADE_STACK", "palisade"))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.put("AWS_ENDPOINT_URL", System.getenv("PALISADE_MINISTACK_URL"));
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.remove("AWS_CA_BUNDLE");
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("plan finished").isTrue();
        return new Cli(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static String awaitMessage(String inbox, Predicate<String> wanted) {
        Instant deadline = Instant.now().plusSeconds(60);
        List<String> seen = new ArrayList<>();
        while (Instant.now().isBefore(deadline)) {
            for (String m : workflow.runResults(inbox)) {
                if (wanted.test(m)) {
                    return m;
                }
                seen.add(m);
            }
        }
        throw new AssertionError("no run-result message for the run within 60 s; seen: " + seen);
    }

    private static IamClient iam(String key) {
        return OrganizationChecks.iam(clients, ids, ids.get(key));
    }

    private static CloudTrailClient trail(String key) {
        return clients.build(CloudTrailClient.builder(), OrganizationChecks.access(clients, ids, ids.get(key)));
    }

    private static CloudWatchClient cloudWatch(String key) {
        return clients.build(CloudWatchClient.builder(), OrganizationChecks.access(clients, ids, ids.get(key)));
    }
}
