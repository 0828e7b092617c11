package io.palisade.common.errors;

/** The temp-admin's new credentials are not usable yet (IAM is eventually consistent); the workflow retries with backoff. */
public final class TempAdminNotReadyException extends PalisadeException {
    public TempAdminNotReadyException(String message) {
        super(message);
    }

    public TempAdminNotReadyException(String message, Throwable cause) {
        super(message, cause);
    }
}
