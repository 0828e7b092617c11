package io.palisade.common.aws;

import io.palisade.common.Names;

/**
 * {@link AccountAccess} as the management account, through {@value Names#ORGANIZATION_ACCESS_ROLE}:
 * what the phases use before the temp-admin exists, and where no temp-admin is needed.
 */
public final class OrganizationAccess {
    private OrganizationAccess() {}

    /**
     * As the management account: its own credentials there, {@value Names#ORGANIZATION_ACCESS_ROLE}
     * in every other account.
     */
    public static AccountAccess organizationAccess(Clients clients, String managementAccountId) {
        return accountId -> accountId.equals(managementAccountId) ? clients.baseCredentials()
                : clients.assume(clients.baseCredentials(), accountId, Names.ORGANIZATION_ACCESS_ROLE);
    }

    /**
     * {@value Names#ORGANIZATION_ACCESS_ROLE} in member accounts, for phases that never act in
     * the management account (the identity account's state bucket, a new account): what
     * {@link #organizationAccess} does there, without a management account to tell apart.
     */
    public static AccountAccess memberAccounts(Clients clients) {
        return accountId -> clients.assume(clients.baseCredentials(), accountId, Names.ORGANIZATION_ACCESS_ROLE);
    }

    /** Drops {@link #memberAccounts}' cached session in {@code accountId}, so the next use assumes the role again. */
    public static void forgetMemberSession(Clients clients, String accountId) {
        clients.forget(clients.baseCredentials(), accountId, Names.ORGANIZATION_ACCESS_ROLE);
    }
}
