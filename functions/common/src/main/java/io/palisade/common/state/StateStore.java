package io.palisade.common.state;

import io.palisade.common.Names;
import io.palisade.common.Json;
import io.palisade.common.errors.StateConflictException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads and writes the {@link StateRecord} with S3 conditional writes: a create only if
 * absent ({@code If-None-Match: *}), an update only if unchanged since read ({@code If-Match}).
 */
public final class StateStore {
    /** Tag on the identity account naming the state bucket, so a run without config can find it. */
    public static final String BUCKET_TAG = "palisade:state-bucket";
    private static final int ATTEMPTS = 4;

    private final S3Client s3;
    private final String bucket;

    public StateStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public record Versioned(StateRecord record, String etag) {}

    public Optional<Versioned> read() {
        try {
            var response = s3.getObjectAsBytes(r -> r.bucket(bucket).key(Names.STATE_KEY));
            return Optional.of(new Versioned(Json.read(response.asUtf8String(), StateRecord.class),
                    response.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /**
     * Applies {@code change} to the current record (or to {@code initial} when none exists)
     * and writes it conditionally (nothing when {@code change} returns null); re-reads and re-applies when another writer got there first.
     */
    public StateRecord modify(StateRecord initial, UnaryOperator<StateRecord> change) {
        for (int attempt = 1; ; attempt++) {
            Optional<Versioned> current = read();
            StateRecord next = change.apply(current.map(Versioned::record).orElse(initial));
            if (next == null) {
                return null; // the change decided there is nothing to write
            }
            byte[] body = Json.write(next).getBytes(StandardCharsets.UTF_8);
            try {
                if (current.isEmpty()) {
                    s3.putObject(r -> r.bucket(bucket).key(Names.STATE_KEY).ifNoneMatch("*")
                                    .contentType("application/json"),
                            RequestBody.fromBytes(body));
                } else {
                    s3.putObject(r -> r.bucket(bucket).key(Names.STATE_KEY).ifMatch(current.get().etag())
                                    .contentType("application/json"),
                            RequestBody.fromBytes(body));
                }
                return next;
            } catch (S3Exception e) {
                boolean conflict = e.statusCode() == 412 || e.statusCode() == 409;
                if (!conflict) {
                    throw e;
                }
                if (attempt >= ATTEMPTS) {
                    throw new StateConflictException("The state record s3://" + bucket + "/" + Names.STATE_KEY
                            + " kept changing while this run wrote it (" + attempt + " attempts)", e);
                }
            }
        }
    }
}
