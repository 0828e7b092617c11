package io.palisade.common.state;

import io.palisade.common.config.OrgConfig;

/**
 * The input of one per-account phase invocation (an item of the state machine's Map):
 * the account to work in plus the parts of the run payload it needs.
 */
public record AccountTask(
        RunState.Target target,
        OrgConfig config,
        RunState.Org org,
        RunState.TempAdmin tempAdmin,
        RunState.Run run) {

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
