package io.palisade.teardown;

import io.palisade.common.state.TeardownReport;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Lambda entry point of the teardown phase: the successful end of a run. */
public final class TeardownHandler extends PhaseHandler<RunState, TeardownReport> {
    /** Where the state machine payload keeps this phase\'s result. */
    static final String FIELD = "teardown";

    private final Teardown phase;

    public TeardownHandler() {
        this(Clients.fromEnvironment());
    }

    private TeardownHandler(Clients clients) {
        this(new Teardown(clients, clients.build(SecretsManagerClient.builder()),
                clients.build(OrganizationsClient.builder())));
    }

    TeardownHandler(Teardown phase) {
        super(RunState.class, FIELD);
        this.phase = phase;
    }

    @Override
    protected TeardownReport handle(RunState input) {
        return phase.apply(input, new Teardown.Outcome("SUCCEEDED", null, null, null));
    }
}
