package io.palisade.common.state;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs a per-account phase over one Map item's batch: the accounts one after another, each
 * account's full report to the run bucket under {@code runs/<run>/<reports><key>.json} (the same
 * key on a retry), and a {@link BatchSummary} into the payload.
 *
 * <p>A failing account fails the batch (the state machine retries a transient error with the
 * whole batch; every account's work converges, so the accounts done before it only re-read).
 */
public final class AccountBatches {
    private AccountBatches() {}

    /**
     * @param reports  the phase's part of the run's prefix, e.g. {@code reports/apply-accounts/}
     * @param work     one account's report
     * @param changes  how many change lines a report has
     * @param problems a report's problems, each with its account key
     */
    public static <R> BatchSummary run(AccountBatch input, RunWrites runs, String reports,
                                       Function<AccountTask, R> work, Function<R, Integer> changes,
                                       Function<R, List<BatchSummary.Problem>> problems) {
        List<String> keys = new ArrayList<>();
        List<BatchSummary.Problem> found = new ArrayList<>();
        int total = 0;
        for (AccountTask task : input.tasks()) {
            R report = work.apply(task);
            runs.put(input.runId(), reports + task.target().key() + ".json", report);
            keys.add(task.target().key());
            total += changes.apply(report);
            List<BatchSummary.Problem> p = problems.apply(report);
            if (p != null) {
                found.addAll(p);
            }
        }
        int shown = Math.min(found.size(), BatchSummary.MAX_PROBLEMS);
        return new BatchSummary(List.copyOf(keys), total, List.copyOf(found.subList(0, shown)), found.size() - shown,
                RunStore.key(input.runId(), reports));
    }
}
