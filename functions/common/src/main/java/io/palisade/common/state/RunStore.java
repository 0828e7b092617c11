package io.palisade.common.state;

import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The run bucket (template.yaml {@code RunBucket}, in Palisade's own stack): what a run's phases
 * hand each other by reference instead of in the state machine's payload, which Step Functions
 * caps at 256 KB per state (issue 9). Objects are JSON under {@code runs/<runId>/<name>}.
 *
 * <p>A write under a name the run fixes (an account's key, a phase's name) is idempotent: the
 * retried invocation writes the same key again, so a retry never leaves two objects, and a
 * reader after the state that wrote it always finds the last attempt's.
 *
 * <p>This class only reads; {@link RunWrites} writes, and only the functions that hand something on
 * use it (their roles alone have {@code s3:PutObject} there: FunctionPermissionsTest follows the
 * classes each handler reaches).
 *
 * <p>The bucket is reached with the function's own role ({@link Clients#controlS3()}): on AWS it
 * is in the management account with the stack; locally in the emulator of Palisade's stack.
 */
public final class RunStore {
    /** The function environment variable naming the bucket (template.yaml Globals). */
    public static final String BUCKET_ENV = "PALISADE_RUN_BUCKET";
    public static final String PREFIX = "runs/";

    private final S3Client s3;
    private final String bucket;

    public RunStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** The run bucket the function's environment names, with this container's clients. */
    public static RunStore fromEnvironment(Clients clients) {
        return fromEnvironment(clients, System.getenv());
    }

    static RunStore fromEnvironment(Clients clients, Map<String, String> env) {
        return new RunStore(clients.controlS3(), env.get(BUCKET_ENV));
    }

    public String bucket() {
        return bucket;
    }

    /** {@code runs/<runId>/<name>}; the run id as an S3-safe key part ({@code manual} when there is none). */
    public static String key(String runId, String name) {
        return PREFIX + safe(runId == null || runId.isBlank() ? "manual" : runId) + "/" + name;
    }

    /** The object {@link RunWrites#put} stored under {@code key}, read as {@code type} (unknown fields ignored). */
    public <T> T get(String key, Class<T> type) {
        return Json.read(s3.getObjectAsBytes(r -> r.bucket(requireBucket()).key(key)).asUtf8String(), type);
    }

    S3Client s3() {
        return s3;
    }

    String requireBucket() {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalStateException(BUCKET_ENV + " is not set: the function has no run bucket"
                    + " (template.yaml sets it for every function)");
        }
        return bucket;
    }

    /** Letters, digits, {@code - _ .} kept; anything else (a slash above all) becomes {@code _}. */
    static String safe(String part) {
        String s = part.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.equals(".") || s.equals("..") ? "_" + s : s;
    }
}
