package io.palisade.rootloginalarms;

import io.palisade.common.PhaseHandler;
import io.palisade.common.aws.AccountAccess;
import io.palisade.common.aws.AuditAccess;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.AccountBatch;
import io.palisade.common.state.AccountBatches;
import io.palisade.common.state.BatchSummary;
import io.palisade.common.state.RunStore;
import io.palisade.common.state.RunWrites;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Lambda entry point of the root-login-alarms phase: one item of the state machine's Map over
 * batches of accounts. Each account's full report goes to the run bucket; the payload gets the
 * batch's summary.
 */
public final class RootLoginAlarmsHandler extends PhaseHandler<AccountBatch, BatchSummary> {
    /** Where in a run's part of the run bucket each account's full report goes: {@code <key>.json} here. */
    static final String REPORTS = "reports/root-login-alarms/";

    private final RootLoginAlarms phase;
    private final RunWrites runs;

    public RootLoginAlarmsHandler() {
        this(Clients.fromEnvironment());
    }

    private RootLoginAlarmsHandler(Clients clients) {
        this(new RootLoginAlarms(clients, accountAccess(clients)), new RunWrites(RunStore.fromEnvironment(clients)));
    }

    /** For tests that call {@link #report} only: no run bucket. */
    RootLoginAlarmsHandler(RootLoginAlarms phase) {
        this(phase, new RunWrites(new RunStore(null, null)));
    }

    RootLoginAlarmsHandler(RootLoginAlarms phase, RunWrites runs) {
        super(AccountBatch.class);
        this.phase = phase;
        this.runs = runs;
    }

    AlarmReport report(AccountTask input) {
        // bootstrap, or drift with repair: plan and apply; plan, or drift without repair: plan only
        return phase.report(input);
    }

    /** Each account's full report to the run bucket (same key on a retry), the batch's summary to the payload. */
    @Override
    protected BatchSummary handle(AccountBatch input) {
        return AccountBatches.run(input, runs, REPORTS, this::report, r -> r.changes().size(), r -> List.of());
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
