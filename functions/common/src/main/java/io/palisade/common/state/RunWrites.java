package io.palisade.common.state;

import io.palisade.common.Json;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Writes to the run bucket ({@link RunStore}): what a phase hands on by reference. Only the
 * phases that return the config or the organization ({@link PayloadOffload}) and the per-account
 * phases (their full reports, {@link AccountBatches}) write; every other phase only reads.
 */
public final class RunWrites {
    private final RunStore store;

    public RunWrites(RunStore store) {
        this.store = store;
    }

    public RunStore store() {
        return store;
    }

    /** Writes {@code value} as JSON under {@link RunStore#key(String, String)} and returns that key. */
    public String put(String runId, String name, Object value) {
        return put(RunStore.key(runId, name), value);
    }

    /** Writes {@code value} as JSON under {@code key} (one of {@link RunStore#key(String, String)}) and returns it. */
    public String put(String key, Object value) {
        store.s3().putObject(r -> r.bucket(store.requireBucket()).key(key).contentType("application/json"),
                RequestBody.fromString(Json.write(value), StandardCharsets.UTF_8));
        return key;
    }
}
