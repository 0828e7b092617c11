package io.palisade.common.errors;

/** The state record changed under this run (conditional write failed); nothing was overwritten. */
public final class StateConflictException extends PalisadeException {
    public StateConflictException(String message) {
        super(message);
    }

    public StateConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
