package io.palisade.common.errors;

/**
 * A plan-only task (mode {@code plan}, or {@code drift} without repair) could not assume
 * {@value io.palisade.common.Names#AUDIT_ROLE} in a member account: the role does not exist there
 * (an organization bootstrapped by an older Palisade, or not bootstrapped at all) or does not
 * trust this function's role. Planning never falls back to the temp-admin: the message names the
 * account and says to run a bootstrap first, which creates the role.
 */
public final class AuditRoleMissingException extends PalisadeException {
    public AuditRoleMissingException(String message, Throwable cause) {
        super(message, cause);
    }
}
