package io.palisade.common.errors;

/** CreateAccount failed for a transient reason (CONCURRENT_ACCOUNT_MODIFICATION, INTERNAL_FAILURE); the workflow creates the account again. */
public final class AccountCreationTransientException extends PalisadeException {
    public AccountCreationTransientException(String message) {
        super(message);
    }

    public AccountCreationTransientException(String message, Throwable cause) {
        super(message, cause);
    }
}
