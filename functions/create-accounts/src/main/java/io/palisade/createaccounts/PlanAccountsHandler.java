package io.palisade.createaccounts;

import io.palisade.common.OffloadingPhaseHandler;
import io.palisade.common.aws.AnalyzerDelegationSurvey;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Lambda entry point of a plan's first phase (PlanOrganization): the run's {@code org} as a
 * bootstrap would find it, without creating the organization or an account.
 */
public final class PlanAccountsHandler extends OffloadingPhaseHandler<RunState, RunState.Org> {
    private final PlanAccounts phase;

    /** Where the payload keeps this phase's result: the same field as create-accounts' (the Org). */
    static final String FIELD = "org";

    public PlanAccountsHandler() {
        this(Clients.fromEnvironment());
    }

    private PlanAccountsHandler(Clients clients) {
        this(new PlanAccounts(clients, clients.build(OrganizationsClient.builder()),
                clients.build(StsClient.builder()), new RootAccessSurvey(clients, clients.build(OrganizationsClient.builder()),
                        clients.build(IamClient.builder()), clients.build(StsClient.builder())),
                new AnalyzerDelegationSurvey(clients.build(OrganizationsClient.builder())),
                SecurityHubSurvey.of(clients)));
    }

    PlanAccountsHandler(PlanAccounts phase) {
        super(RunState.class, FIELD);
        this.phase = phase;
    }

    @Override
    protected RunState.Org handle(RunState input) {
        return phase.plan(input);
    }
}
