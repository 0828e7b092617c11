package io.palisade.migratestate;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import java.util.function.Function;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;

/** Lambda entry point of the migrate-state phase. */
public final class MigrateStateHandler extends PhaseHandler<RunState, RunState.StateRef> {
    /** Where the state machine payload keeps this phase\'s result. */
    static final String FIELD = "state";

    private final MigrateState phase;

    public MigrateStateHandler() {
        this(Clients.fromEnvironment());
    }

    private MigrateStateHandler(Clients clients) {
        this(new MigrateState(clients, clients.build(OrganizationsClient.builder()),
                executionStatus(clients.control(SfnClient.builder()))));
    }

    /** An execution's status; one Step Functions no longer knows has ended. */
    static Function<String, String> executionStatus(SfnClient sfn) {
        return arn -> {
            try {
                return sfn.describeExecution(r -> r.executionArn(arn)).statusAsString();
            } catch (ExecutionDoesNotExistException e) {
                return "GONE";
            }
        };
    }

    MigrateStateHandler(MigrateState phase) {
        super(RunState.class, FIELD);
        this.phase = phase;
    }

    @Override
    protected RunState.StateRef handle(RunState input) {
        return phase.apply(input);
    }
}
