package io.palisade.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.PayloadRefs;
import io.palisade.common.testkit.Emulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * 100 accounts in one execution (issue 9), end to end on the deployed state machine: a fresh
 * bootstrap, a re-run and a scheduled drift run. What it holds to is size and shape, never time
 * (times are ./palisade bench's): the payload stays far under Step Functions' 256 KB (the config
 * and the organization travel by reference, per-account results as one summary per batch), and
 * every account gets its baseline, read back from moto.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleE2EIT {
    static final int ACCOUNTS = 100;
    /** Issue 9's target at 300 accounts; at 100 it must hold with room to spare. */
    static final int PAYLOAD_LIMIT = 64 * 1024;

    private static Workflow workflow;
    private static Clients clients;
    private static OrgConfig config;

    @BeforeAll
    static void setUp() {
        workflow = Workflow.deployed();
        clients = Emulator.clients();
        config = Emulator.config("scale" + Long.toString(System.nanoTime(), 36).substring(0, 6), ACCOUNTS);
    }

    @Test
    @Order(1)
    void bootstrap_of100Accounts_succeedsInOneExecutionWithASmallPayload() {
        DescribeExecutionResponse run = workflow.await(workflow.start(Workflow.bootstrap(config)), Duration.ofMinutes(15));

        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        int largest = workflow.largestPayload(run.executionArn());
        System.out.printf("100-account bootstrap: largest payload %d bytes, output %d bytes%n", largest,
                run.output().length());
        assertThat(largest).as("largest state input/output at %d accounts", ACCOUNTS).isLessThan(PAYLOAD_LIMIT);

        JsonNode output = Json.read(run.output(), JsonNode.class);
        assertThat(output.path("config").path(PayloadRefs.REF).asText()).as("config by reference").isNotEmpty();
        assertThat(output.path("org").has("accounts")).as("org by reference: no account list").isFalse();
        // members: every account but the identity account, plus management; batches of 10 keys
        int members = ACCOUNTS - 1 + 1;
        assertThat(output.path("applied")).hasSize((members + 9) / 10);
        assertThat(workflow.fullReports(run.output(), "applied")).hasSize(members);
        assertThat(workflow.fullReports(run.output(), "alarms")).hasSize(ACCOUNTS + 1);

        assertThat(workflow.resolved(run.output(), "org").path("accounts")).hasSize(ACCOUNTS);
        // every configured account exactly once in the organization, and its baseline, read back from moto
        Map<String, String> ids = OrganizationChecks.accountIds(clients, config);
        for (Map.Entry<String, String> account : ids.entrySet()) {
            if (account.getKey().equals(OrgConfig.MANAGEMENT)) {
                continue;
            }
            String id = account.getValue();
            assertThat(OrganizationChecks.iam(clients, ids, id).getRole(r -> r.roleName("Administrator")).role()
                    .assumeRolePolicyDocument()).as("Administrator trust in %s", account.getKey())
                    .contains("MultiFactorAuthPresent");
            CloudTrailClient trail = clients.build(CloudTrailClient.builder(), OrganizationChecks.access(clients, ids, id));
            assertThat(trail.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging())
                    .as("trail logging in %s", account.getKey()).isTrue();
        }
        OrganizationChecks.assertNoTempAdmin(clients, ids);
    }

    @Test
    @Order(2)
    void rerun_of100Accounts_changesNothing() {
        DescribeExecutionResponse run = workflow.await(workflow.start(Workflow.bootstrap(config)), Duration.ofMinutes(15));

        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode output = Json.read(run.output(), JsonNode.class);
        for (String field : List.of("applied", "alarms")) {
            for (JsonNode batch : output.path(field)) {
                assertThat(batch.path("changes").asInt(-1)).as("%s changes in %s", field, batch.path("keys")).isZero();
            }
        }
        assertThat(workflow.largestPayload(run.executionArn())).isLessThan(PAYLOAD_LIMIT);
    }

    @Test
    @Order(3)
    void driftRun_of100Accounts_findsNoDrift() {
        // the schedule's input: no config, so LoadConfig reads the last run's from the state record
        DescribeExecutionResponse run = workflow.await(workflow.start(Map.of("mode", "drift")), Duration.ofMinutes(15));

        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        JsonNode report = Json.read(run.output(), JsonNode.class).path("report");
        assertThat(report.path("total").asInt(-1)).as(report.path("digest").asText()).isZero();
        assertThat(workflow.fullReports(run.output(), "applied")).hasSize(ACCOUNTS);
        assertThat(workflow.largestPayload(run.executionArn())).isLessThan(PAYLOAD_LIMIT);
    }
}
