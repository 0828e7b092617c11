package io.palisade.teardown;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.errors.ConcurrentRunException;
import io.palisade.common.state.RunState;
import java.util.List;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Lambda entry point of the compensation: after any failure, remove the temp-admin and its
 * roles, note the failed phase and cause in the state record, release the lock. The state
 * machine then notifies and fails with the original error.
 */
public final class CompensateHandler extends PhaseHandler<CompensateHandler.Input, Teardown.Report> {
    /** The run payload plus what the Catch recorded. */
    public record Input(RunState run, String failedPhase, RunState.Failure error) {}

    private final Teardown teardown;

    public CompensateHandler() {
        this(Clients.fromEnvironment());
    }

    private CompensateHandler(Clients clients) {
        this(new Teardown(clients, clients.build(SecretsManagerClient.builder())));
    }

    CompensateHandler(Teardown teardown) {
        super(Input.class);
        this.teardown = teardown;
    }

    @Override
    protected Teardown.Report handle(Input input) {
        RunState.Failure error = input.error() == null ? new RunState.Failure("Unknown", "") : input.error();
        if (ConcurrentRunException.class.getName().equals(error.Error())) {
            // the temp-admin and the lock belong to the run that is still going: touch nothing
            return new Teardown.Report("FAILED", input.failedPhase(), error.Error(), List.of(), List.of());
        }
        return teardown.apply(input.run(), new Teardown.Outcome("FAILED", input.failedPhase(), error.Error(),
                error.Cause()));
    }
}
