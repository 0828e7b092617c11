package io.palisade.common.errors;

/** A member account exists but cannot be used yet (its access role cannot be assumed); the workflow retries with backoff. */
public final class AccountNotReadyException extends PalisadeException {
    public AccountNotReadyException(String message) {
        super(message);
    }

    public AccountNotReadyException(String message, Throwable cause) {
        super(message, cause);
    }
}
