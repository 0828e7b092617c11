package io.palisade.common.aws;

import io.palisade.common.Names;
import io.palisade.common.errors.AuditRoleMissingException;
import io.palisade.common.state.AccountTask;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * {@link AccountAccess} that only reads: {@value Names#AUDIT_ROLE} (AWS managed
 * {@value Names#AUDIT_POLICY}) in member accounts, assumed with the function's own role; the
 * function's own role in the management account. What a plan-only task (mode {@code plan}, or
 * {@code drift} without repair) acts with: it needs no temp-admin, and whatever it tried to
 * change in a member account would be denied.
 */
public final class AuditAccess {
    private AuditAccess() {}

    /**
     * How the per-account phases act for a task: plan-only tasks through {@link #auditRole}, every
     * other task (bootstrap, drift with repair) as the run's temp-admin through its bootstrap role.
     * Both use the function's own role in the management account.
     */
    public static Function<AccountTask, AccountAccess> forTask(Clients clients, TempAdminSession tempAdmin) {
        return task -> task.planOnly()
                ? auditRole(clients, task.managementAccountId())
                : tempAdmin.bootstrapRole(task.tempAdminSecretArn(), task.managementAccountId());
    }

    /**
     * The audit role in member accounts, the own role in the management account. The role is
     * assumed at once, so that an account without it (bootstrapped by an older Palisade, or not
     * bootstrapped) fails with {@link AuditRoleMissingException} naming the account, not with an
     * AccessDenied on whatever read came first.
     */
    public static AccountAccess auditRole(Clients clients, String managementAccountId) {
        return accountId -> {
            if (accountId.equals(managementAccountId)) {
                return clients.baseCredentials();
            }
            AwsCredentialsProvider audit = clients.assume(clients.baseCredentials(), accountId, Names.AUDIT_ROLE);
            try {
                audit.resolveCredentials();
            } catch (RuntimeException e) {
                StsException denied = denied(e);
                if (denied == null) {
                    throw e;
                }
                // a later attempt (after a bootstrap made the role) assumes it afresh
                clients.forget(clients.baseCredentials(), accountId, Names.AUDIT_ROLE);
                throw new AuditRoleMissingException("Cannot assume " + Names.AUDIT_ROLE + " in account " + accountId
                        + " (" + denied.getMessage() + "): the role does not exist there, "
                        + "or does not trust this function. A plan reads member accounts only through this "
                        + "read-only role, which a bootstrap makes (an organization bootstrapped by an older "
                        + "Palisade, or not bootstrapped, has none): run a bootstrap first.", e);
            }
            return audit;
        };
    }

    /** The AccessDenied of STS in {@code e} or its causes, else {@code null}. */
    private static StsException denied(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StsException sts && (sts.statusCode() == 403 || sts.awsErrorDetails() != null
                    && "AccessDenied".equals(sts.awsErrorDetails().errorCode()))) {
                return sts;
            }
        }
        return null;
    }
}
