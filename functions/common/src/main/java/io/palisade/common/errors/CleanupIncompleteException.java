package io.palisade.common.errors;

/**
 * Teardown, compensation or cleanup could not remove everything a run made that grants access
 * (the temp-admin user, its keys, its secret, a bootstrap role). The message names each thing
 * left and why. The run's lock stays held, so the status-change cleanup and the next run try
 * again; nothing reports success while a credential may remain.
 */
public final class CleanupIncompleteException extends PalisadeException {
    public CleanupIncompleteException(String message) {
        super(message);
    }
}
