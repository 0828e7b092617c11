package io.palisade.common.state;

import io.palisade.common.config.OrgConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The durable record of the organization Palisade manages, kept in InfoSec's state bucket
 * (as the seed kept Terraform state there). Written only with conditional requests.
 */
public record StateRecord(
        int schemaVersion,
        String organizationName,
        String managementAccountId,
        String configDigest,
        OrgConfig config,
        List<AccountRef> accounts,
        Lock lock,
        List<RunEntry> history) {

    public static final int SCHEMA = 1;
    /** Runs kept in {@link #history}. */
    public static final int HISTORY = 50;

    /**
     * Held by the run that is changing the organization. {@code executionArn} lets a later run
     * ask Step Functions whether the holder is still RUNNING (null in locks of older versions).
     */
    public record Lock(String runId, String since, String executionArn) {
        public Lock(String runId, String since) {
            this(runId, since, null);
        }
    }

    /**
     * One run. {@code changes} (the number of change lines the run applied or, for a plan-only
     * run, found) and {@code report} (the key of its Markdown report in the state bucket) are set
     * by the run-report phase at the end of a successful run; null before and in older records.
     */
    public record RunEntry(String runId, String mode, String startedAt, String endedAt, String status,
                           String failedPhase, String cause, Integer changes, String report) {

        public RunEntry(String runId, String mode, String startedAt, String endedAt, String status,
                        String failedPhase, String cause) {
            this(runId, mode, startedAt, endedAt, status, failedPhase, cause, null, null);
        }

        public RunEntry end(String endTime, String endStatus, String phase, String why) {
            return new RunEntry(runId, mode, startedAt, endTime, endStatus, phase, why, changes, report);
        }

        /** This entry with the run's change count and the key of its stored report. */
        public RunEntry reported(int changeCount, String reportKey) {
            return new RunEntry(runId, mode, startedAt, endedAt, status, failedPhase, cause, changeCount, reportKey);
        }
    }

    public StateRecord withLock(Lock newLock) {
        return new StateRecord(schemaVersion, organizationName, managementAccountId, configDigest, config,
                accounts, newLock, history);
    }

    /** Adds or replaces the entry of {@code entry.runId()}, keeping the last {@link #HISTORY}. */
    public StateRecord withRun(RunEntry entry) {
        List<RunEntry> h = new ArrayList<>(history == null ? List.of() : history);
        h.removeIf(e -> e.runId().equals(entry.runId()));
        h.add(entry);
        while (h.size() > HISTORY) {
            h.remove(0);
        }
        return new StateRecord(schemaVersion, organizationName, managementAccountId, configDigest, config,
                accounts, lock, List.copyOf(h));
    }

    public RunEntry run(String runId) {
        return history == null ? null
                : history.stream().filter(e -> e.runId().equals(runId)).findFirst().orElse(null);
    }
}
