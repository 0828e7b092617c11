package io.palisade.common.state;

import java.util.List;

/**
 * What the teardown, the compensation and the cleanup return: the run's outcome, what was
 * removed (the temp-admin, its keys and roles) and the changing calls made, both kept to a size
 * that does not grow with the accounts ({@link Tally}: one line per kind of thing removed, calls counted).
 */
public record TeardownReport(String status, String failedPhase, String error, List<String> removed,
                             List<String> changes) {
    public TeardownReport {
        removed = Tally.grouped(removed);
        changes = Tally.counted(changes);
    }
}
