package io.palisade.tempadmin;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import java.util.Arrays;
import java.util.List;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Lambda entry point of the temp-admin phase. */
public final class TempAdminHandler extends PhaseHandler<RunState, RunState.TempAdmin> {
    /** Where the state machine payload keeps this phase\'s result. */
    static final String FIELD = "tempAdmin";

    private final TempAdmin phase;

    public TempAdminHandler() {
        this(Clients.fromEnvironment());
    }

    private TempAdminHandler(Clients clients) {
        this(new TempAdmin(clients, clients.build(SecretsManagerClient.builder()), readers()));
    }

    TempAdminHandler(TempAdmin phase) {
        super(RunState.class, FIELD);
        this.phase = phase;
    }

    /** PALISADE_SECRET_READERS: comma-separated role ARNs of the phases that act as the temp-admin. */
    private static List<String> readers() {
        String value = System.getenv().getOrDefault("PALISADE_SECRET_READERS", "");
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    @Override
    protected RunState.TempAdmin handle(RunState input) {
        return phase.apply(input);
    }
}
