package io.palisade.migratestate;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/** Lambda entry point of the migrate-state phase. */
public final class MigrateStateHandler extends PhaseHandler<RunState, RunState.StateRef> {
    /** Where the state machine payload keeps this phase\'s result. */
    static final String FIELD = "state";

    private final MigrateState phase;

    public MigrateStateHandler() {
        this(Clients.fromEnvironment());
    }

    private MigrateStateHandler(Clients clients) {
        this(new MigrateState(clients, clients.build(OrganizationsClient.builder())));
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
