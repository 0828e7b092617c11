package io.palisade.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.Emulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * The deployed state machine under what real AWS does: a share of the phases' requests answered
 * with throttling, 5xx or a lost response (the fault proxy between the phases and moto),
 * failures during compensation, and executions stopped by hand. Every assertion reads moto
 * directly, as {@link BootstrapE2EIT} does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceE2EIT {
    static final double RATE = 0.2;
    private static final String CLEANUP_INCOMPLETE = "io.palisade.common.errors.CleanupIncompleteException";

    private static Workflow workflow;
    private static FaultProxy faults;
    private static Clients clients;

    @BeforeAll
    static void setUp() {
        workflow = Workflow.deployed();
        faults = FaultProxy.running();
        clients = Emulator.clients();
    }

    @AfterEach
    void faultsOff() {
        faults.off();
    }


    @Test
    @Order(1)
    void bootstrap_when20PercentOfRequestsFail_fiveFreshOrganizationsEachSucceedInOneExecution() {
        for (int i = 1; i <= 5; i++) {
            OrgConfig config = Workflow.freshConfig("ft");
            faults.reset(RATE, i);
            Instant t0 = Instant.now();
            DescribeExecutionResponse run = workflow.run(Workflow.bootstrap(config));
            Duration took = Duration.between(t0, Instant.now());
            JsonNode stats = faults.off();
            System.out.printf("fault rate %.0f%% bootstrap %d: %s in %.1f s, %d requests, injected %s%n",
                    RATE * 100, i, run.status(), took.toMillis() / 1000.0, stats.path("requests").asInt(),
                    stats.path("injected"));
            System.out.println("  busiest: " + FaultProxy.busiest(stats, 12));
            assertThat(run.status()).as("run " + i + ": " + run.error() + ": " + run.cause())
                    .isEqualTo(ExecutionStatus.SUCCEEDED);
            assertThat(stats.path("injected").path("lost").asInt()).as("lost responses injected").isPositive();

            Map<String, String> ids = OrganizationChecks.assertBuilt(clients, config);
            assertThat(lock(config, ids.get("infosec"))).as("lock after run " + i).isNull();
        }
    }

    @Test
    @Order(2)
    void compensation_whenTheRunFailsAfterCreateUserAnd20PercentFail_leavesNoTempAdmin() {
        OrgConfig config = Workflow.freshConfig("fc");
        faults.reset(RATE, 11);
        // every CreateAccessKey is denied: the temp-admin phase fails after CreateUser
        faults.rules(List.of(rule("iam", "CreateAccessKey", "AccessDenied")));

        DescribeExecutionResponse run = workflow.run(Workflow.bootstrap(config));
        JsonNode stats = faults.off();
        System.out.printf("compensation under %.0f%% faults: %s %s, %d requests, injected %s%n", RATE * 100,
                run.status(), run.error(), stats.path("requests").asInt(), stats.path("injected"));

        assertThat(run.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(run.error()).isNotEqualTo(CLEANUP_INCOMPLETE);
        Map<String, String> ids = accountIds(config);
        assertNothingLeft(ids);
        assertThat(lock(config, ids.get("infosec"))).isNull();
    }

    @Test
    @Order(3)
    void compensation_whenTheTempAdminCannotBeDeleted_failsSayingSoAndTheNextRunRepairs() {
        OrgConfig config = Workflow.freshConfig("fx");
        String inbox = workflow.subscribeToRunResults();
        faults.reset(0, 12);
        faults.rules(List.of(rule("iam", "CreateAccessKey", "AccessDenied"),
                rule("iam", "DeleteUser", "AccessDenied")));

        DescribeExecutionResponse run = workflow.run(Workflow.bootstrap(config));

        assertThat(run.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(run.error()).as(run.cause()).isEqualTo(CLEANUP_INCOMPLETE);
        assertThat(run.cause()).contains("user PalisadeTempAdmin in infosec").contains("AccessDenied");
        // the status-change cleanup (execution FAILED) meets the same denial: it says so, and never succeeds
        List<String> messages = new ArrayList<>();
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline) && messages.stream()
                .noneMatch(m -> m.contains("the next run removes what is left"))) {
            messages.addAll(workflow.runResults(inbox));
        }
        faults.off();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("cleanup could not finish")
                .contains("user PalisadeTempAdmin in infosec"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("the next run removes what is left")
                .containsIgnoringCase("user PalisadeTempAdmin in infosec")); // the event has no config: account names
        Map<String, String> ids = accountIds(config);
        assertThat(iam(ids, ids.get("infosec")).listUsers().users()).extracting(u -> u.userName())
                .as("what could not be deleted is still there, and was reported").contains(Names.TEMP_ADMIN_USER);
        String staleKey = iam(ids, ids.get("infosec")).listAccessKeys(r -> r.userName(Names.TEMP_ADMIN_USER))
                .accessKeyMetadata().stream().map(k -> k.accessKeyId()).findFirst().orElse("none");

        // the next run replaces the key it finds, and its teardown removes everything
        DescribeExecutionResponse next = workflow.run(Workflow.bootstrap(config));
        assertThat(next.status()).as(next.error() + ": " + next.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(Json.read(next.output(), JsonNode.class).path("tempAdmin").path("changes").toString())
                .as("a key another run left is not reused (" + staleKey + ")").contains("CreateAccessKey");
        OrganizationChecks.assertBuilt(clients, config);
        assertThat(lock(config, ids.get("infosec"))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"CreateTempAdmin", "ApplyMemberAccounts", "SetRootLoginAlarms"})
    @Order(4)
    void stoppedExecution_whenStoppedByHand_isCleanedWithin60SecondsAndTheNextRunSucceeds(String state) {
        OrgConfig config = Workflow.freshConfig("fs");
        // the run, and the cleanup after the stop, meet the same 20 % of failing requests
        faults.reset(RATE, 20 + state.length());
        String arn = workflow.start(Workflow.bootstrap(config));
        workflow.awaitState(arn, state);
        workflow.stop(arn);
        Instant stopped = Instant.now();
        assertThat(workflow.await(arn).status()).isEqualTo(ExecutionStatus.ABORTED);

        Map<String, String> ids = accountIds(config);
        Duration clean = null;
        List<String> left = List.of();
        while (Duration.between(stopped, Instant.now()).toSeconds() < 60) {
            left = leftovers(config, ids);
            if (left.isEmpty()) {
                clean = Duration.between(stopped, Instant.now());
                break;
            }
            Workflow.sleep(500);
        }
        JsonNode stats = faults.off();
        System.out.printf("stopped in %s under %.0f%% faults: clean after %s (%d requests, injected %s)%n", state,
                RATE * 100, clean == null ? "never" : clean.toMillis() + " ms", stats.path("requests").asInt(),
                stats.path("injected"));
        assertThat(left).as("left 60 s after the stop in " + state).isEmpty();

        Instant t0 = Instant.now();
        DescribeExecutionResponse next = workflow.run(Workflow.bootstrap(config));
        assertThat(next.status()).as(next.error() + ": " + next.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        System.out.printf("next run after the stop in %s: %s in %.1f s%n", state, next.status(),
                Duration.between(t0, Instant.now()).toMillis() / 1000.0);
        OrganizationChecks.assertBuilt(clients, config);
    }

    // ------------------------------------------------------------------ reading moto

    private static Map<String, Object> rule(String service, String operation, String fault) {
        return Map.of("service", service, "operation", operation, "fault", fault, "count", -1);
    }

    private static Map<String, String> accountIds(OrgConfig config) {
        return OrganizationChecks.accountIds(clients, config);
    }

    private static IamClient iam(Map<String, String> ids, String accountId) {
        return OrganizationChecks.iam(clients, ids, accountId);
    }

    /** The state record's lock, or null (also when there is no record yet). */
    private static JsonNode lock(OrgConfig config, String infosec) {
        S3Client s3 = clients.s3(Emulator.orgAccess(clients, infosec));
        String bucket = Names.stateBucket(config.organization().name(), infosec);
        try {
            JsonNode lock = Json.read(s3.getObjectAsBytes(r -> r.bucket(bucket).key(Names.STATE_KEY))
                    .asUtf8String(), JsonNode.class).path("lock");
            return lock.isMissingNode() || lock.isNull() ? null : lock;
        } catch (software.amazon.awssdk.services.s3.model.NoSuchBucketException
                 | software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return null;
        }
    }

    /** Whatever of the temp-admin, its keys, its secret, a bootstrap role or the lock is still there. */
    private static List<String> leftovers(OrgConfig config, Map<String, String> ids) {
        List<String> left = new ArrayList<>();
        try {
            var keys = iam(ids, ids.get("infosec")).listAccessKeys(r -> r.userName(Names.TEMP_ADMIN_USER))
                    .accessKeyMetadata();
            left.add("user PalisadeTempAdmin with " + keys.size() + " key(s)");
        } catch (NoSuchEntityException gone) {
            // removed
        }
        for (var e : ids.entrySet()) {
            try {
                iam(ids, e.getValue()).getRole(r -> r.roleName(Names.BOOTSTRAP_ROLE));
                left.add("role PalisadeBootstrap in " + e.getKey());
            } catch (NoSuchEntityException gone) {
                // removed
            }
        }
        SecretsManagerClient secrets = clients.build(SecretsManagerClient.builder());
        if (secrets.listSecrets().secretList().stream().anyMatch(s -> s.name().equals(Names.TEMP_ADMIN_SECRET))) {
            left.add("secret palisade/temp-admin");
        }
        if (lock(config, ids.get("infosec")) != null) {
            left.add("lock " + lock(config, ids.get("infosec")));
        }
        return left;
    }

    private static void assertNothingLeft(Map<String, String> ids) {
        OrganizationChecks.assertNoTempAdmin(clients, ids);
        assertThatNoKeys(ids);
    }

    private static void assertThatNoKeys(Map<String, String> ids) {
        try {
            iam(ids, ids.get("infosec")).listAccessKeys(r -> r.userName(Names.TEMP_ADMIN_USER));
            throw new AssertionError("the temp-admin user still exists");
        } catch (NoSuchEntityException expected) {
            // no user, so no key
        }
    }
}
