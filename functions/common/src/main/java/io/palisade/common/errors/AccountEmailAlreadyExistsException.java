package io.palisade.common.errors;

/** CreateAccount failed with EMAIL_ALREADY_EXISTS: the email belongs to an account outside this organization. */
public final class AccountEmailAlreadyExistsException extends PalisadeException {
    public AccountEmailAlreadyExistsException(String message) {
        super(message);
    }

    public AccountEmailAlreadyExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
