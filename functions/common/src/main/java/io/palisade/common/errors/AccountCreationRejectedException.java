package io.palisade.common.errors;

/** CreateAccount failed for a reason a retry cannot fix (invalid email or address, billing, business validation, ...). */
public final class AccountCreationRejectedException extends PalisadeException {
    public AccountCreationRejectedException(String message) {
        super(message);
    }

    public AccountCreationRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
