package io.palisade.common.errors;

/**
 * An AWS call failed in a way that a later attempt can succeed: throttling of any service,
 * a 5xx, a timeout or lost connection, Organizations' {@code ConcurrentModificationException},
 * or the short IAM/STS inconsistency right after a principal or policy is created. Every Task
 * of the state machine retries this one error with backoff and full jitter; the phases are
 * idempotent, so re-running one after a partial attempt converges.
 *
 * <p>The message names the service, operation and AWS error code of the cause.
 */
public final class TransientAwsException extends PalisadeException {
    public TransientAwsException(String message, Throwable cause) {
        super(message, cause);
    }
}
