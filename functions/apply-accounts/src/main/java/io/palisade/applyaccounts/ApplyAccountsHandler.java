package io.palisade.applyaccounts;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.AuditAccess;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.state.AccountTask;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** Lambda entry point of the apply-accounts phase: one item of the state machine's Map over accounts. */
public final class ApplyAccountsHandler extends PhaseHandler<AccountTask, AccountReport> {
    private final ApplyAccounts phase;

    public ApplyAccountsHandler() {
        this(production());
    }

    ApplyAccountsHandler(ApplyAccounts phase) {
        super(AccountTask.class);
        this.phase = phase;
    }

    /**
     * A task that may change an account acts in each member account as the temp-admin, through
     * its bootstrap role there; a plan-only task through the read-only audit role, without a
     * temp-admin. In the management account both use this function's own role, whose template
     * policy allows exactly that account's baseline (no role there is trusted by the temp-admin).
     */
    private static ApplyAccounts production() {
        Clients clients = Clients.fromEnvironment();
        TempAdminSession tempAdmin = new TempAdminSession(clients, clients.build(SecretsManagerClient.builder()));
        return new ApplyAccounts(clients, AuditAccess.forTask(clients, tempAdmin), auditors(System.getenv()));
    }

    /**
     * PALISADE_AUDITORS: comma-separated names of the management account's roles that the audit
     * role in each member account trusts (template.yaml: this function's and
     * RootLoginAlarmsFunction's roles). Names, not ARNs: the ARN is built with the management
     * account's id from the run, so the trust names the role the function really acts as.
     */
    static List<String> auditors(Map<String, String> env) {
        String value = env.getOrDefault("PALISADE_AUDITORS", "");
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * A bootstrap task (and a drift task with {@code repair}) plans and applies; a {@code plan}
     * task, or a {@code drift} task without repair, returns the planned changes and changes nothing.
     */
    @Override
    protected AccountReport handle(AccountTask input) {
        return input.planOnly() ? phase.planReport(input) : phase.apply(input);
    }
}
