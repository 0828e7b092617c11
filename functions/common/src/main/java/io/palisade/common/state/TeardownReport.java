package io.palisade.common.state;

import java.util.List;

/**
 * What the teardown, the compensation and the cleanup return: the run's outcome, what was
 * removed (the temp-admin, its keys and roles) and the changing calls made.
 */
public record TeardownReport(String status, String failedPhase, String error, List<String> removed,
                             List<String> changes) {}
