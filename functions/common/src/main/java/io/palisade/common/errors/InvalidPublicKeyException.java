package io.palisade.common.errors;

/** The one-time-login OpenPGP public key cannot be parsed or has no encryption key. */
public final class InvalidPublicKeyException extends PalisadeException {
    public InvalidPublicKeyException(String message) {
        super(message);
    }

    public InvalidPublicKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
