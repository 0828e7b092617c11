package io.palisade.common.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateRecordTest {
    private static StateRecord record(List<StateRecord.RunEntry> history) {
        return new StateRecord(StateRecord.SCHEMA, "example", "111111111111", "digest", null, List.of(),
                new StateRecord.Lock("run-0", "2025-01-01T00:00:00Z"), history);
    }

    private static StateRecord.RunEntry running(String runId) {
        return new StateRecord.RunEntry(runId, "bootstrap", "2025-01-01T00:00:00Z", null, "RUNNING", null, null);
    }

    @Test
    void withRun_whenHistoryExceeds50_keepsTheLast50InOrder() {
        StateRecord r = record(List.of());
        for (int i = 0; i < 55; i++) {
            r = r.withRun(running("run-" + i));
        }

        assertThat(r.history()).hasSize(StateRecord.HISTORY);
        assertThat(r.history().get(0).runId()).isEqualTo("run-5");
        assertThat(r.history().get(49).runId()).isEqualTo("run-54");
        assertThat(r.run("run-4")).isNull();
    }

    @Test
    void withRun_whenRunIdIsAlreadyThere_replacesItsEntry() {
        StateRecord r = record(List.of(running("a"), running("b"), running("c")));

        StateRecord ended = r.withRun(r.run("b").end("2025-01-01T01:00:00Z", "SUCCEEDED", null, null));

        assertThat(ended.history()).extracting(StateRecord.RunEntry::runId).containsExactly("a", "c", "b");
        assertThat(ended.run("b").status()).isEqualTo("SUCCEEDED");
        assertThat(ended.run("b").startedAt()).isEqualTo("2025-01-01T00:00:00Z");
        assertThat(ended.run("b").endedAt()).isEqualTo("2025-01-01T01:00:00Z");
    }

    @Test
    void withRun_whenHistoryIsNull_startsIt() {
        StateRecord r = record(null).withRun(running("first"));

        assertThat(r.history()).extracting(StateRecord.RunEntry::runId).containsExactly("first");
    }

    @Test
    void withRun_whenApplied_keepsEveryOtherFieldAndLeavesTheOriginalUnchanged() {
        List<StateRecord.RunEntry> history = new ArrayList<>(List.of(running("a")));
        StateRecord original = record(history);

        StateRecord next = original.withRun(running("b"));

        assertThat(original.history()).hasSize(1);
        assertThat(next).usingRecursiveComparison().ignoringFields("history").isEqualTo(original);
        assertThat(next.history()).isUnmodifiable();
    }

    @Test
    void withLock_whenReleased_keepsTheHistory() {
        StateRecord r = record(List.of(running("a"))).withLock(null);

        assertThat(r.lock()).isNull();
        assertThat(r.history()).hasSize(1);
    }

    @Test
    void run_whenRunIdIsUnknownOrHistoryNull_returnsNull() {
        assertThat(record(List.of(running("a"))).run("b")).isNull();
        assertThat(record(null).run("a")).isNull();
    }

    @Test
    void reported_thenEnd_keepsTheChangeCountAndReportKey() {
        StateRecord.RunEntry entry = running("r").reported(6, "reports/r.md")
                .end("2025-01-01T01:00:00Z", "SUCCEEDED", null, null);

        assertThat(entry.changes()).isEqualTo(6);
        assertThat(entry.report()).isEqualTo("reports/r.md");
        assertThat(entry.status()).isEqualTo("SUCCEEDED");
        assertThat(running("r").changes()).as("unset before the run report").isNull();
    }
}
