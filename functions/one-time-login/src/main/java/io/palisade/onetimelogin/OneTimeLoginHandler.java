package io.palisade.onetimelogin;

import io.palisade.common.state.LoginResult;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.state.RunState;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Lambda entry point of the one-time-login phase. */
public final class OneTimeLoginHandler extends PhaseHandler<RunState, LoginResult> {
    /** Where the state machine payload keeps this phase's result. */
    static final String FIELD = "login";

    private final OneTimeLogin phase;

    public OneTimeLoginHandler() {
        this(Clients.fromEnvironment());
    }

    private OneTimeLoginHandler(Clients clients) {
        this(new OneTimeLogin(clients, tempAdminInIdentityAccount(clients)));
    }

    OneTimeLoginHandler(OneTimeLogin phase) {
        super(RunState.class, FIELD);
        this.phase = phase;
    }

    @Override
    protected LoginResult handle(RunState input) {
        return phase.apply(input);
    }

    /** The temp-admin's bootstrap role in the identity (InfoSec) account, where the users live. */
    private static Function<RunState, AwsCredentialsProvider> tempAdminInIdentityAccount(Clients clients) {
        TempAdminSession session = new TempAdminSession(clients, clients.build(SecretsManagerClient.builder()));
        return input -> session.in(input.tempAdmin().secretArn(), input.org().identity().accountId());
    }
}
