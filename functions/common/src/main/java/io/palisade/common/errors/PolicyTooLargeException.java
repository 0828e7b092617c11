package io.palisade.common.errors;

/**
 * A policy document Palisade would put is over the size AWS accepts for it; raised before the
 * call, so nothing half-applied is left. Not transient: the config (or Palisade) must change.
 */
public final class PolicyTooLargeException extends PalisadeException {
    public PolicyTooLargeException(String message) {
        super(message);
    }
}
