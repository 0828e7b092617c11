package io.palisade.createaccounts;

import io.palisade.common.OffloadingPhaseHandler;
import io.palisade.common.aws.AnalyzerDelegation;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sts.StsClient;

/** Lambda entry point of the create-accounts phase. */
public final class CreateAccountsHandler extends OffloadingPhaseHandler<RunState, RunState.Org> {
    /** Where the state machine payload keeps this phase\'s result. */
    static final String FIELD = "org";

    private final CreateAccounts phase;

    public CreateAccountsHandler() {
        this(Clients.fromEnvironment());
    }

    private CreateAccountsHandler(Clients clients) {
        this(new CreateAccounts(clients, clients.build(OrganizationsClient.builder()),
                clients.buildWithoutRetries(OrganizationsClient.builder(), clients.baseCredentials()),
                new RootAccess(clients, clients.build(OrganizationsClient.builder()),
                        clients.build(IamClient.builder()), clients.build(StsClient.builder())),
                new AnalyzerDelegation(clients.build(OrganizationsClient.builder())),
                SecurityHubAdmin.changing(clients)));
    }

    CreateAccountsHandler(CreateAccounts phase) {
        super(RunState.class, FIELD);
        this.phase = phase;
    }

    @Override
    protected RunState.Org handle(RunState input) {
        return phase.apply(input);
    }
}
