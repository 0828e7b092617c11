package io.palisade.teardown;

import io.palisade.common.state.RunResult;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;

/**
 * Lambda entry point of the run-report phase: the last step of every successful run (bootstrap,
 * drift, plan), before the run topic is told. Returns the payload with its result under
 * {@value #FIELD}; the digest there is the message to publish.
 */
public final class RunReportHandler extends PhaseHandler<RunReport.Input, RunResult> {
    /** Where the state machine payload keeps this phase's result. */
    static final String FIELD = "report";

    private final RunReport phase;

    public RunReportHandler() {
        this(new RunReport(Clients.fromEnvironment()));
    }

    RunReportHandler(RunReport phase) {
        super(RunReport.Input.class, FIELD);
        this.phase = phase;
    }

    @Override
    protected RunResult handle(RunReport.Input input) {
        return phase.apply(input);
    }
}
