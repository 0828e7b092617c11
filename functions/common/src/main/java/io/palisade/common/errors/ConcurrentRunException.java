package io.palisade.common.errors;

/** Another Palisade execution holds the state record's lock; this one refuses to run. */
public final class ConcurrentRunException extends PalisadeException {
    public ConcurrentRunException(String message) {
        super(message);
    }

    public ConcurrentRunException(String message, Throwable cause) {
        super(message, cause);
    }
}
