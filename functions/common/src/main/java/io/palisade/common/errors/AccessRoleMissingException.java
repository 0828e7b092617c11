package io.palisade.common.errors;

/**
 * An account that joined the organization by invitation has no role the management account
 * can assume: AWS creates {@code OrganizationAccountAccessRole} only in accounts that
 * Organizations creates. The message says how to add it. Raised at once, instead of waiting
 * for a role that will never appear.
 */
public final class AccessRoleMissingException extends PalisadeException {
    public AccessRoleMissingException(String message) {
        super(message);
    }
}
