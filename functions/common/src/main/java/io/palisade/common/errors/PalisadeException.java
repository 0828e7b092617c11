package io.palisade.common.errors;

/**
 * Base of every error that is part of the state machine's contract. The class's
 * fully-qualified name is what Lambda reports as {@code errorType}, so each
 * subclass name is stable and listed in {@code ErrorEquals} where it matters.
 */
public abstract class PalisadeException extends RuntimeException {
    protected PalisadeException(String message) {
        super(message);
    }

    protected PalisadeException(String message, Throwable cause) {
        super(message, cause);
    }
}
