package io.palisade.createaccounts;

import io.palisade.common.OffloadingPhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.RunState;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/** Lambda entry point that gives a scheduled drift run (input without config) the last run's config. */
public final class LoadConfigHandler extends OffloadingPhaseHandler<RunState, OrgConfig> {
    /** Where the state machine payload keeps the config. */
    static final String FIELD = "config";

    private final LoadConfig phase;

    public LoadConfigHandler() {
        this(Clients.fromEnvironment());
    }

    private LoadConfigHandler(Clients clients) {
        this(new LoadConfig(clients, clients.build(OrganizationsClient.builder())));
    }

    LoadConfigHandler(LoadConfig phase) {
        super(RunState.class, FIELD);
        this.phase = phase;
    }

    @Override
    protected OrgConfig handle(RunState input) {
        return phase.apply(input);
    }
}
