package io.palisade.common.errors;

/** CreateAccount failed with ACCOUNT_LIMIT_EXCEEDED: the organization's account quota is reached. */
public final class AccountLimitExceededException extends PalisadeException {
    public AccountLimitExceededException(String message) {
        super(message);
    }

    public AccountLimitExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
