package io.palisade.common.aws;

import io.palisade.common.errors.TransientAwsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The one place that decides what an AWS failure means. Phases never inspect error codes for
 * this themselves: {@link ChangeExecutor} asks {@link #alreadyExists}/{@link #notFound}, the
 * SDK clients built by {@link Clients} and {@code PhaseHandler} ask {@link #classify}.
 */
public final class AwsErrors {
    /**
     * Throttling codes of the services Palisade calls. Not {@code LimitExceededException}: the
     * SDK counts it as throttling, but IAM and Organizations use it for quotas, which no retry fixes.
     */
    static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "ThrottledException",
            "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown",
            "RequestThrottled", "PriorRequestNotComplete", "BandwidthLimitExceeded");
    /** Not throttling, yet a retry succeeds once the other change is done. */
    static final Set<String> BUSY = Set.of("ConcurrentModificationException", "ConcurrentModification",
            "OperationAbortedException", "OperationAborted", "InternalFailure", "InternalError",
            "ServiceUnavailable", "ServiceUnavailableException", "ServiceException", "RequestTimeout",
            "RequestTimeoutException", "IDPCommunicationError", "TransactionInProgressException");
    /**
     * What IAM and STS say for a few seconds after a principal, key or policy is created
     * (eventual consistency). Transient only where Palisade just made what is missing: see
     * {@link #classify(RuntimeException, String, String, boolean)}.
     */
    static final Set<String> NOT_YET_CONSISTENT = Set.of("AccessDenied", "AccessDeniedException",
            "InvalidClientTokenId", "NoSuchEntity");
    static final Set<String> ALREADY_EXISTS = Set.of("EntityAlreadyExists", "AlreadyExistsException",
            "ResourceAlreadyExistsException", "ResourceExistsException", "BucketAlreadyOwnedByYou",
            "AlreadyInOrganizationException", "TrailAlreadyExistsException", "DuplicatePolicyAttachmentException",
            "DuplicatePolicyException", "PolicyTypeAlreadyEnabledException",
            // RegisterDelegatedAdministrator for an account that already is (a lost answer's first attempt)
            "AccountAlreadyRegisteredException");
    static final Set<String> NOT_FOUND = Set.of("NoSuchEntity", "ResourceNotFoundException", "NotFoundException",
            "NotFound", "TrailNotFoundException", "NoSuchBucket", "NoSuchKey", "NoSuchBucketPolicy",
            "AccountNotFoundException", "ResourceNotFound", "NoSuchLifecycleConfiguration",
            "PolicyNotFoundException", "PolicyNotAttachedException",
            // DeregisterDelegatedAdministrator for an account that no longer is (a lost answer's first attempt)
            "AccountNotRegisteredException");

    /** Where a failed call was made: the SDK's service and operation names, and as whom. */
    record Call(String service, String operation, boolean assumed) {}

    /** Failed calls by their exception, noted by {@link TransientErrors}; weak, so never a leak. */
    private static final Map<Throwable, Call> CALLS = Collections.synchronizedMap(new WeakHashMap<>());

    private AwsErrors() {}

    static void remember(Throwable e, Call call) {
        CALLS.put(e, call);
    }

    /** The AWS error code, or {@code null} for a client-side failure. */
    public static String code(Throwable e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            return s.awsErrorDetails().errorCode();
        }
        return null;
    }

    public static boolean alreadyExists(Throwable e) {
        String code = code(e);
        return code != null && ALREADY_EXISTS.contains(code);
    }

    public static boolean notFound(Throwable e) {
        String code = code(e);
        if (code != null && NOT_FOUND.contains(code)) {
            return true;
        }
        return e instanceof AwsServiceException s && s.statusCode() == 404 && code == null;
    }

    /**
     * Whether a failure is transient whatever the context: throttling, a 5xx, a timeout, a lost
     * connection, a busy Organizations.
     */
    public static boolean isTransient(Throwable e) {
        if (e instanceof TransientAwsException) {
            return true;
        }
        if (e instanceof AwsServiceException s) {
            String code = code(e);
            return s.statusCode() >= 500 || s.statusCode() == 429
                    || (code != null && (THROTTLING.contains(code) || BUSY.contains(code)));
        }
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return true;
        }
        if (e instanceof SdkClientException) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof IOException || c instanceof UncheckedIOException) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The error to throw for {@code e}: a {@link TransientAwsException} when a retry can succeed,
     * else {@code e} itself (a permanent error keeps its own type and message).
     *
     * @param service   the SDK's service name ({@code Iam}, {@code Sts}, ...), may be null
     * @param operation the operation ({@code AssumeRole}, {@code PutUserPolicy}, ...), may be null
     * @param assumed   whether the call ran as a role Palisade assumed in a member account (a
     *                  principal that may be minutes old), not the function's own role
     */
    public static RuntimeException classify(RuntimeException e, String service, String operation,
                                            boolean assumed) {
        if (e instanceof TransientAwsException) {
            return e;
        }
        if (isTransient(e) || notYetConsistent(e, service, operation, assumed)) {
            return new TransientAwsException(describe(e, service, operation), e);
        }
        return e;
    }

    /**
     * Whether {@code e} is an {@code sts:AssumeRole} that was denied: the role cannot be used
     * from here (for the access role of an account Palisade never reached, nothing it made can
     * be there either).
     */
    public static boolean assumeRoleDenied(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            Call call = CALLS.get(c);
            if (call != null && "AssumeRole".equals(call.operation()) && "AccessDenied".equals(code(c))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The error to throw for {@code e}, using what the client noted about the failed call (its
     * operation, and whether it ran as an assumed role), found along the cause chain: a
     * credentials provider's failed AssumeRole may arrive wrapped.
     */
    public static RuntimeException classify(RuntimeException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            Call call = CALLS.get(c);
            if (call != null) {
                RuntimeException classified = classify(c instanceof RuntimeException r ? r : e,
                        call.service(), call.operation(), call.assumed());
                return classified instanceof TransientAwsException ? classified : e;
            }
        }
        return classify(e, null, null, false);
    }

    /**
     * The consistency window: AssumeRole of a role (or with a key) made moments ago; a call as an
     * assumed role whose policy was just written; a write to an IAM entity created moments ago.
     * A read's NoSuchEntity is an answer (the phases handle it), and the function's own role
     * being denied is a real missing permission: neither is transient.
     */
    static boolean notYetConsistent(Throwable e, String service, String operation, boolean assumed) {
        String code = code(e);
        if (code == null || !NOT_YET_CONSISTENT.contains(code)) {
            return false;
        }
        boolean sts = "Sts".equalsIgnoreCase(service) || "STS".equals(service);
        if (sts && "AssumeRole".equals(operation)) {
            return !"NoSuchEntity".equals(code);
        }
        if ("NoSuchEntity".equals(code)) {
            return operation != null && !CallLog.isRead(operation) && !operation.startsWith("Delete")
                    && !operation.startsWith("Remove") && !operation.startsWith("Detach");
        }
        return assumed;
    }

    private static String describe(Throwable e, String service, String operation) {
        String code = code(e);
        String where = (service == null ? "" : service + ":") + (operation == null ? "" : operation);
        return (where.isEmpty() ? "AWS call" : where) + " failed transiently"
                + (code == null ? "" : " (" + code + ")") + ": " + e.getMessage();
    }
}
