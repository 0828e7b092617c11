package io.palisade.applyaccounts;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.AuditAccess;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.AccountBatch;
import io.palisade.common.state.AccountBatches;
import io.palisade.common.state.BatchSummary;
import io.palisade.common.state.RunStore;
import io.palisade.common.state.RunWrites;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Lambda entry point of the apply-accounts phase: one item of the state machine's Map over
 * batches of accounts (or the identity account's batch of one). Each account's full report goes
 * to the run bucket; the payload gets the batch's summary.
 */
public final class ApplyAccountsHandler extends PhaseHandler<AccountBatch, BatchSummary> {
    /** Where in a run's part of the run bucket each account's full report goes: {@code <key>.json} here. */
    static final String REPORTS = "reports/apply-accounts/";

    private final ApplyAccounts phase;
    private final RunWrites runs;

    public ApplyAccountsHandler() {
        this(Clients.fromEnvironment());
    }

    private ApplyAccountsHandler(Clients clients) {
        this(production(clients), new RunWrites(RunStore.fromEnvironment(clients)));
    }

    /** For tests that call {@link #report} only: no run bucket. */
    ApplyAccountsHandler(ApplyAccounts phase) {
        this(phase, new RunWrites(new RunStore(null, null)));
    }

    ApplyAccountsHandler(ApplyAccounts phase, RunWrites runs) {
        super(AccountBatch.class);
        this.phase = phase;
        this.runs = runs;
    }

    /**
     * A task that may change an account acts in each member account as the temp-admin, through
     * its bootstrap role there; a plan-only task through the read-only audit role, without a
     * temp-admin. In the management account both use this function's own role, whose template
     * policy allows exactly that account's baseline (no role there is trusted by the temp-admin).
     */
    private static ApplyAccounts production(Clients clients) {
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
    AccountReport report(AccountTask input) {
        return input.planOnly() ? phase.planReport(input) : phase.apply(input);
    }

    /** Each account's full report to the run bucket (same key on a retry), the batch's summary to the payload. */
    @Override
    protected BatchSummary handle(AccountBatch input) {
        return AccountBatches.run(input, runs, REPORTS, this::report, r -> r.changes().size(),
                r -> r.problems() == null ? List.of() : r.problems().stream()
                        .map(p -> new BatchSummary.Problem(r.key(), p.error(), p.field(), p.message())).toList());
    }
}
