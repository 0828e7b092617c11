package io.palisade.common.errors;

/** The organization config or the execution input is invalid; the message names the field. Raised before any AWS call. */
public final class InvalidConfigException extends PalisadeException {
    public InvalidConfigException(String message) {
        super(message);
    }

    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
