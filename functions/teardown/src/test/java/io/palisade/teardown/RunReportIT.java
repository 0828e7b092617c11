package io.palisade.teardown;

import io.palisade.common.state.RunResult;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.BatchSummary;
import io.palisade.common.state.RunState;
import io.palisade.common.state.RunStore;
import io.palisade.common.state.RunWrites;
import io.palisade.common.state.StateRecord;
import io.palisade.common.state.StateStore;
import io.palisade.common.testkit.Emulator;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/** The run report in the emulated InfoSec account's state bucket (moto). */
class RunReportIT {
    private Clients clients;
    private OrgConfig config;
    private RunState.Org org;
    private String infosec;
    private String bucket;
    private S3Client s3;
    /** The run bucket, which the stack has in the management account: here moto's. */
    private RunStore runs;

    @BeforeEach
    void organization() {
        clients = Emulator.clients();
        config = Emulator.config("rr" + UUID.randomUUID().toString().substring(0, 8));
        org = Emulator.accounts(clients, config);
        infosec = org.identity().accountId();
        bucket = Names.stateBucket(config.organization().name(), infosec);
        s3 = clients.s3(Emulator.orgAccess(clients, infosec));
        S3Client own = clients.s3(clients.baseCredentials());
        String runBucket = "palisade-runs-" + config.organization().name();
        own.createBucket(r -> r.bucket(runBucket));
        runs = new RunStore(own, runBucket);
    }

    /** The state bucket and record as migrate-state leaves them: {@code lockHolder}'s lock, its entry RUNNING. */
    private StateStore stateRecord(String lockHolder, List<StateRecord.RunEntry> history) {
        s3.createBucket(r -> r.bucket(bucket));
        StateStore store = new StateStore(s3, bucket);
        List<StateRecord.RunEntry> entries = new ArrayList<>(history);
        entries.add(new StateRecord.RunEntry(lockHolder, RunState.BOOTSTRAP, "2025-01-01T00:00:00Z", null,
                "RUNNING", null, null));
        store.modify(new StateRecord(StateRecord.SCHEMA, config.organization().name(), org.managementAccountId(),
                Json.digest(config), config, org.accounts(), new StateRecord.Lock(lockHolder, "2025-01-01T00:00:00Z"),
                List.copyOf(entries)), current -> current);
        return store;
    }

    private RunReport.Input input(String mode, Boolean repair, String runId, RunState.StateRef state) {
        String prod = org.account("prod").id();
        return new RunReport.Input(mode, repair, config, new RunState.Run(runId, "2025-01-01T00:00:00Z"), org, state,
                new RunState.Applied(stored(runId, new RunReport.Section("infosec", infosec, List.of(
                        "- iam:group-membership infosec/InfosecAdmins Mallory",
                        "~ iam:password-policy infosec minimumPasswordLength: expected 14 actual 8"), List.of()))),
                List.of(stored(runId, new RunReport.Section("prod", prod, List.of(
                        "~ cloudtrail:trail prod/palisade-trail logging: expected true actual false"), List.of()))),
                List.of());
    }

    /** An account's full report in the run bucket, as apply-accounts leaves it, and the batch summary it returns. */
    private BatchSummary stored(String runId, RunReport.Section report) {
        new RunWrites(runs).put(runId, "reports/apply-accounts/" + report.key() + ".json", report);
        return new BatchSummary(List.of(report.key()), report.changes().size(), List.of(), 0,
                RunStore.key(runId, "reports/apply-accounts/"));
    }

    private String object(String key) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String();
    }

    @Test
    void apply_whenBootstrapped_storesBothReportsAndRecordsTheRunInTheHistory() {
        StateStore store = stateRecord("run-a", List.of());
        RunState.StateRef ref = new RunState.StateRef(infosec, bucket, Names.STATE_KEY, List.of());

        RunResult result = new RunReport(clients, runs).apply(input(RunState.BOOTSTRAP, null, "run-a", ref));

        assertThat(result.stored()).isTrue();
        assertThat(result.recorded()).isTrue();
        assertThat(result.reason()).isNull();
        assertThat(result.bucket()).isEqualTo(bucket);
        assertThat(result.jsonKey()).isEqualTo("reports/run-a.json");
        assertThat(result.markdownKey()).isEqualTo("reports/run-a.md");
        assertThat(result.total()).isEqualTo(3);
        assertThat(result.drift()).as("a bootstrap applies; it is no drift").isFalse();
        assertThat(result.digest()).startsWith("Palisade bootstrap run run-a: 3 changes applied in 2 accounts\n")
                .endsWith("Full report: s3://" + bucket + "/reports/run-a.md\n");

        JsonNode json = Json.read(object(result.jsonKey()), JsonNode.class);
        assertThat(json.path("runId").asText()).isEqualTo("run-a");
        assertThat(json.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(json.at("/counts/total").asInt()).isEqualTo(3);
        assertThat(json.at("/accounts/0/key").asText()).isEqualTo("infosec");
        assertThat(json.at("/accounts/1/changes/0").asText())
                .isEqualTo("~ cloudtrail:trail prod/palisade-trail logging: expected true actual false");
        assertThat(object(result.markdownKey())).startsWith("# Palisade bootstrap run `run-a`\n\n"
                + "Applied: 0 added, 2 changed, 1 removed.\n").contains("```diff\n");

        StateRecord record = store.read().orElseThrow().record();
        assertThat(record.run("run-a")).satisfies(e -> {
            assertThat(e.status()).isEqualTo("SUCCEEDED");
            assertThat(e.startedAt()).isEqualTo("2025-01-01T00:00:00Z");
            assertThat(e.endedAt()).isNotNull();
            assertThat(e.changes()).isEqualTo(3);
            assertThat(e.report()).isEqualTo("reports/run-a.md");
        });
        assertThat(record.lock()).as("the report never touches the lock").isEqualTo(
                new StateRecord.Lock("run-a", "2025-01-01T00:00:00Z"));
    }

    @Test
    void apply_whenAPlanOnlyDriftRun_findsTheBucketByConfigAddsItsEntryAndLeavesTheLock() {
        // another run holds the lock: a drift run without repair takes none and must not touch it
        StateStore store = stateRecord("run-busy", List.of());
        StateStore.Versioned before = store.read().orElseThrow();

        RunResult result = new RunReport(clients, runs).apply(input(RunState.DRIFT, null, "run-d", null));

        assertThat(result.stored()).isTrue();
        assertThat(result.drift()).isTrue();
        assertThat(result.subject()).isEqualTo("Palisade drift: 3 drifted items in 2 accounts (not repaired)");
        assertThat(result.digest()).contains("- iam:group-membership infosec/InfosecAdmins Mallory\n");
        assertThat(object("reports/run-d.md")).contains("Plan: 0 to add, 2 to change, 1 to remove.");
        StateRecord after = store.read().orElseThrow().record();
        assertThat(after.lock()).isEqualTo(before.record().lock());
        assertThat(after.run("run-busy")).isEqualTo(before.record().run("run-busy"));
        assertThat(after.run("run-d")).satisfies(e -> {
            assertThat(e.mode()).isEqualTo(RunState.DRIFT);
            assertThat(e.status()).isEqualTo("SUCCEEDED");
            assertThat(e.changes()).isEqualTo(3);
            assertThat(e.report()).isEqualTo("reports/run-d.md");
        });
    }

    @Test
    void apply_whenTheHistoryIsFull_keepsItBounded() {
        List<StateRecord.RunEntry> old = new ArrayList<>();
        for (int i = 0; i < StateRecord.HISTORY; i++) {
            old.add(new StateRecord.RunEntry("old-" + i, RunState.DRIFT, "t", "t", "SUCCEEDED", null, null));
        }
        StateStore store = stateRecord("run-a", old);

        new RunReport(clients, runs).apply(input(RunState.DRIFT, true, "run-r", null));

        List<StateRecord.RunEntry> history = store.read().orElseThrow().record().history();
        assertThat(history).hasSize(StateRecord.HISTORY);
        assertThat(history.get(history.size() - 1).runId()).isEqualTo("run-r");
        assertThat(history.get(history.size() - 1).changes()).isEqualTo(3);
        assertThat(history).extracting(StateRecord.RunEntry::runId).doesNotContain("old-0", "old-1");
    }

    @Test
    void apply_whenThereIsNoStateBucket_storesNothingAndSaysSo() {
        RunResult result = new RunReport(clients, runs).apply(input("plan", null, "run-p", null));

        assertThat(result.stored()).isFalse();
        assertThat(result.recorded()).isFalse();
        assertThat(result.bucket()).isNull();
        assertThat(result.jsonKey()).isNull();
        assertThat(result.reason()).contains("s3://" + bucket + " does not exist yet");
        assertThat(result.total()).isEqualTo(3);
        assertThat(result.digest()).contains("Report not stored: the state bucket s3://" + bucket);
        assertThat(org.account("infosec").id()).isEqualTo(infosec);
        try {
            s3.headBucket(r -> r.bucket(bucket));
            throw new AssertionError("the report phase made the state bucket");
        } catch (NoSuchBucketException expected) {
            // nothing was made
        }
    }
}
