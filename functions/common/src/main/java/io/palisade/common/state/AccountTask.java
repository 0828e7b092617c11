package io.palisade.common.state;

import io.palisade.common.config.OrgConfig;

/**
 * The input of one per-account phase invocation (an item of the state machine's Map):
 * the account to work in plus the parts of the run payload it needs.
 *
 * @param mode   {@code bootstrap} (also when {@code null}), {@code plan} or {@code drift}
 * @param repair for {@code drift}: whether to apply what the plan found; {@code null} is no
 */
public record AccountTask(
        RunState.Target target,
        OrgConfig config,
        RunState.Org org,
        RunState.TempAdmin tempAdmin,
        RunState.Run run,
        String mode,
        Boolean repair) {

    public static final String PLAN = RunState.PLAN;

    /** A bootstrap task (no mode, no repair): what the state machine has always passed. */
    public AccountTask(RunState.Target target, OrgConfig config, RunState.Org org, RunState.TempAdmin tempAdmin,
                       RunState.Run run) {
        this(target, config, org, tempAdmin, run, null, null);
    }

    /**
     * Whether this task only plans: mode {@code plan}, or {@code drift} without {@code repair}.
     * Such a task makes no changing call.
     */
    public boolean planOnly() {
        return PLAN.equals(mode) || RunState.DRIFT.equals(mode) && !Boolean.TRUE.equals(repair);
    }

    /** Whether this task may change the account: the opposite of {@link #planOnly()}. */
    public boolean mayChange() {
        return !planOnly();
    }

    public boolean isIdentity() {
        return target.key().equals(config.identityAccount());
    }

    public boolean isManagement() {
        return OrgConfig.MANAGEMENT.equals(target.key());
    }

    /** The management account's id: this task's own account if it is the management account's task. */
    public String managementAccountId() {
        return isManagement() ? target.accountId() : org == null ? null : org.managementAccountId();
    }

    /** The temp-admin's secret, or {@code null} before the temp-admin phase ran. */
    public String tempAdminSecretArn() {
        return tempAdmin == null ? null : tempAdmin.secretArn();
    }
}
