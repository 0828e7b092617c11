package io.palisade.rootloginalarms;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.AccountAccess;
import io.palisade.common.aws.AuditAccess;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.state.AccountTask;
import java.util.function.Function;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Lambda entry point of the root-login-alarms phase (one account per invocation). */
public final class RootLoginAlarmsHandler extends PhaseHandler<AccountTask, AlarmReport> {
    private final RootLoginAlarms phase;

    public RootLoginAlarmsHandler() {
        this(Clients.fromEnvironment());
    }

    private RootLoginAlarmsHandler(Clients clients) {
        this(new RootLoginAlarms(clients, accountAccess(clients)));
    }

    RootLoginAlarmsHandler(RootLoginAlarms phase) {
        super(AccountTask.class);
        this.phase = phase;
    }

    @Override
    protected AlarmReport handle(AccountTask input) {
        // bootstrap, or drift with repair: plan and apply; plan, or drift without repair: plan only
        return phase.report(input);
    }

    /**
     * For a task that may change the account, the temp-admin's bootstrap role in a member account
     * (the state machine runs this before teardown); for a plan-only task the read-only audit
     * role there, without a temp-admin. This function's own, scoped role in the management account.
     */
    private static Function<AccountTask, AccountAccess> accountAccess(Clients clients) {
        TempAdminSession session = new TempAdminSession(clients, clients.build(SecretsManagerClient.builder()));
        return AuditAccess.forTask(clients, session);
    }
}
