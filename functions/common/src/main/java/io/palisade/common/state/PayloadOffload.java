package io.palisade.common.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palisade.common.Json;

/**
 * The writing half of {@link PayloadRefs}: a phase that returns the config (load-config) or the
 * organization (create, plan and await accounts) stores it in the run bucket and leaves a
 * reference in the payload, with the organization's {@code batches}. Those phases' handlers call
 * it from {@code PhaseHandler#beforeOutput}; their roles alone may write {@code runs/*} for it.
 */
public final class PayloadOffload {
    private final RunWrites writes;
    private final int batchSize;

    /** {@code writes} {@code null}: inline, nothing stored (a unit test's in-process phase). */
    public PayloadOffload(RunWrites writes, int batchSize) {
        this.writes = writes;
        this.batchSize = batchSize;
    }

    /** The function's run bucket and batch size, as {@link PayloadRefs#fromEnvironment} reads them. */
    public static PayloadOffload of(PayloadRefs refs) {
        return new PayloadOffload(refs.store() == null ? null : new RunWrites(refs.store()), refs.batchSize());
    }

    /**
     * Stores an inline {@code config} and {@code org} of {@code payload} (top level) in the run
     * bucket and leaves references; a ready organization also gives {@code batches}. Already
     * referenced parts are left as they are. Without a run bucket nothing changes.
     */
    public void offload(ObjectNode payload, String runId) {
        if (writes == null) {
            return;
        }
        JsonNode config = payload.get(PayloadRefs.CONFIG);
        if (config instanceof ObjectNode && !config.has(PayloadRefs.REF)) {
            ObjectNode stub = Json.MAPPER.createObjectNode();
            stub.put(PayloadRefs.REF, store(runId, PayloadRefs.CONFIG, config));
            payload.set(PayloadRefs.CONFIG, stub);
        }
        JsonNode org = payload.get(PayloadRefs.ORG);
        if (org instanceof ObjectNode full && !org.has(PayloadRefs.REF)) {
            PayloadRefs.Batches batches =
                    PayloadRefs.Batches.of(Json.MAPPER.convertValue(full, RunState.Org.class), batchSize);
            ObjectNode stub = Json.MAPPER.createObjectNode();
            stub.put(PayloadRefs.REF, store(runId, PayloadRefs.ORG, full));
            for (String field : PayloadRefs.ORG_STUB) {
                if (full.has(field) && !PayloadRefs.REF.equals(field)) {
                    stub.set(field, full.get(field));
                }
            }
            payload.set(PayloadRefs.ORG, stub);
            if (batches != null) {
                payload.set(PayloadRefs.BATCHES, Json.MAPPER.valueToTree(batches));
            }
        }
    }

    private String store(String runId, String name, JsonNode value) {
        String key = RunStore.key(runId, "context/" + name + "-" + Json.digest(value).substring(0, 16) + ".json");
        if (!PayloadRefs.cached(key)) {
            writes.put(key, value);
            PayloadRefs.remember(key, value.deepCopy());
        }
        return key;
    }
}
