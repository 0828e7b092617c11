package io.palisade.common.aws;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * The one way a phase acts in an account: the credentials to use there. Phases take one in
 * their constructor, so a test stubs it with a lambda ({@code id -> creds}).
 *
 * <p>The ways there are: {@link OrganizationAccess#organizationAccess} (as the management
 * account), {@link OrganizationAccess#memberAccounts}, {@link TempAdminSession#bootstrapRole}
 * (as the run's temp-admin) and {@link AuditAccess#auditRole} (read-only, for plan-only tasks). They live apart from this interface so that a phase that uses one
 * does not appear to make the others' sts:AssumeRole calls (FunctionPermissionsTest).
 *
 * <p>Whatever the role elsewhere, the management account is always acted on with the function's
 * own credentials: it has no {@code OrganizationAccountAccessRole}, no
 * {@code PalisadeBootstrap} and no {@code PalisadeAudit}, and the function's role (template.yaml) allows exactly its
 * baseline there.
 */
@FunctionalInterface
public interface AccountAccess {
    /** Credentials that act in {@code accountId}. */
    AwsCredentialsProvider in(String accountId);
}
