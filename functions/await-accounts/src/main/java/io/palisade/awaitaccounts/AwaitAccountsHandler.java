package io.palisade.awaitaccounts;

import io.palisade.common.OffloadingPhaseHandler;
import io.palisade.common.aws.AnalyzerDelegation;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/** Lambda entry point of the await-accounts phase. */
public final class AwaitAccountsHandler extends OffloadingPhaseHandler<RunState, RunState.Org> {
    /** Where the state machine payload keeps this phase\'s result. */
    static final String FIELD = "org";

    private final AwaitAccounts phase;

    public AwaitAccountsHandler() {
        this(Clients.fromEnvironment());
    }

    private AwaitAccountsHandler(Clients clients) {
        this(new AwaitAccounts(clients, clients.build(OrganizationsClient.builder()),
                new AnalyzerDelegation(clients.build(OrganizationsClient.builder()))));
    }

    AwaitAccountsHandler(AwaitAccounts phase) {
        super(RunState.class, FIELD);
        this.phase = phase;
    }

    @Override
    protected RunState.Org handle(RunState input) {
        return phase.apply(input, deadline());
    }
}
