package io.palisade.teardown;

import io.palisade.common.state.TeardownReport;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Lambda entry point of the compensation: after any caught failure, remove the temp-admin and
 * its roles, note the failed phase and cause in the state record, release the lock — only if
 * this run holds the lock. The state machine then notifies and fails with the original error;
 * if the compensation itself cannot finish, with that error instead.
 */
public final class CompensateHandler extends PhaseHandler<CompensateHandler.Input, TeardownReport> {
    /** The run payload plus what the Catch recorded. */
    public record Input(RunState run, String failedPhase, RunState.Failure error) {}

    private final Teardown teardown;

    public CompensateHandler() {
        this(Clients.fromEnvironment());
    }

    private CompensateHandler(Clients clients) {
        this(new Teardown(clients, clients.build(SecretsManagerClient.builder()),
                clients.build(OrganizationsClient.builder())));
    }

    CompensateHandler(Teardown teardown) {
        super(Input.class);
        this.teardown = teardown;
    }

    @Override
    protected TeardownReport handle(Input input) {
        RunState.Failure error = input.error() == null ? new RunState.Failure("Unknown", "") : input.error();
        RunState run = input.run();
        return teardown.compensate(run.runId(), run.mode(), run,
                new Teardown.Outcome("FAILED", input.failedPhase(), error.Error(), error.Cause()));
    }
}
