package io.palisade.common.errors;

/** Something an earlier phase creates is missing (the IAM user to log in, the account's trail). */
public final class PrerequisiteMissingException extends PalisadeException {
    public PrerequisiteMissingException(String message) {
        super(message);
    }

    public PrerequisiteMissingException(String message, Throwable cause) {
        super(message, cause);
    }
}
