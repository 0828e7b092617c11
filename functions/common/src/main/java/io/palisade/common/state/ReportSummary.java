package io.palisade.common.state;

import java.util.List;

/**
 * What a per-account phase (an item of a Map state) returns into the payload: a fixed-size
 * summary of its report, whose full text (every change line, the account's baseline) is in the
 * run bucket under {@code report} ({@link RunStore}). Readers of the full report (the run report,
 * {@code ./palisade run}) follow that key.
 *
 * @param changes  how many change lines the full report has (made, or only planned)
 * @param problems what needs the operator; few and short, so they stay in the payload
 * @param report   the full report's key in the run bucket
 */
public record ReportSummary(String key, String accountId, int changes, List<Problem> problems, String report) {

    /** A named error in the config's terms: {@code field} is the config path that fixes it. */
    public record Problem(String error, String field, String message) {}
}
