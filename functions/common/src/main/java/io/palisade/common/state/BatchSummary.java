package io.palisade.common.state;

import java.util.List;

/**
 * What a per-account phase returns into the payload for one Map item, a batch of accounts: a
 * fixed-size summary. Each account's full report (every change line, the account's baseline) is
 * in the run bucket at {@code reports + key + ".json"} ({@link RunStore}); the run report and
 * {@code ./palisade run} read them from there.
 *
 * @param keys         the batch's accounts, in the order they were done
 * @param changes      how many change lines their full reports have together (made, or only planned)
 * @param problems     what needs the operator, at most {@link #MAX_PROBLEMS} (the reports have all)
 * @param moreProblems how many more problems the reports have
 * @param reports      the run bucket prefix of the full reports
 */
public record BatchSummary(List<String> keys, int changes, List<Problem> problems, int moreProblems,
                           String reports) {
    public static final int MAX_PROBLEMS = 10;

    /** A named error in the config's terms, in account {@code key}: {@code field} is the config path that fixes it. */
    public record Problem(String key, String error, String field, String message) {}

    /** The full report's key of account {@code key}. */
    public String reportOf(String key) {
        return reports + key + ".json";
    }
}
