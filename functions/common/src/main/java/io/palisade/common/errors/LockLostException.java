package io.palisade.common.errors;

/**
 * This run no longer holds the state record's lock: its execution was stopped (or timed out)
 * and the status-change cleanup, or a later run, took over while a phase was still running.
 * The phase removed what it had just made, so nothing it created outlives the run.
 */
public final class LockLostException extends PalisadeException {
    public LockLostException(String message) {
        super(message);
    }
}
