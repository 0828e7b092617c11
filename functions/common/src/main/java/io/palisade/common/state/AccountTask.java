package io.palisade.common.state;

import io.palisade.common.config.OrgConfig;

/**
 * The input of one per-account phase invocation (an item of the state machine's Map):
 * the account to work in plus the parts of the run payload it needs.
 *
 * @param mode {@code bootstrap}, {@code plan} or {@code drift}; {@code null} means bootstrap
 * @param repair whether a {@code drift} run repairs what it found; {@code null} means no
 */
public record AccountTask(
        RunState.Target target,
        OrgConfig config,
        RunState.Org org,
        RunState.TempAdmin tempAdmin,
        RunState.Run run,
        String mode,
        Boolean repair) {

    public static final String PLAN = "plan";

    /** A bootstrap task (no mode, no repair): what the state machine has always passed. */
    public AccountTask(RunState.Target target, OrgConfig config, RunState.Org org, RunState.TempAdmin tempAdmin,
                       RunState.Run run) {
        this(target, config, org, tempAdmin, run, null, null);
    }

    /**
     * Whether this task may change the account: a bootstrap (or mode-less) task, or a drift task
     * with {@code repair: true}; a {@code plan} task, or a drift task without repair, only reads.
     */
    public boolean mayChange() {
        if (PLAN.equals(mode)) {
            return false;
        }
        return !RunState.DRIFT.equals(mode) || Boolean.TRUE.equals(repair);
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
