package io.palisade.common.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The payload's two large parts by reference (issue 9): the config (one entry per account) and
 * the organization ({@code accounts}, {@code members}, {@code targets} and its change lines, all
 * one per account). In the state machine's payload they are only
 * <pre>
 *   "config": {"ref": "runs/&lt;run&gt;/context/config-&lt;sha256&gt;.json"}
 *   "org":    {"ref": "runs/&lt;run&gt;/context/org-&lt;sha256&gt;.json", "managementAccountId": ..,
 *              "organizationId": .., "ready": .., "polls": .., "queued": .., "identity": {..}}
 * </pre>
 * (the org keeps what the Choice states route on and what a reader needs to find the rest) and
 * {@code batches}: the account keys the Map states iterate, in batches of
 * {@value #BATCH_ENV} keys ({@link Batches}). With 300 accounts that is about 8 KB; the config
 * and the organization themselves grow with every account, and never travel.
 *
 * <p>{@link #resolve} puts the stored objects back before a phase reads its input, so every phase
 * still sees the whole {@link RunState}; {@link PayloadOffload} stores what a phase returned
 * inline (only the phases that return the config or the organization write: the others' roles
 * only read the run bucket).
 * Keys are content-addressed (the SHA-256 of the canonical JSON), so a retried write is the same
 * object, a reader can cache by key, and an unchanged value is never written again.
 *
 * <p>Without a run bucket (a phase called in-process by a unit test) both are inline, as before.
 */
public final class PayloadRefs {
    public static final String REF = "ref";
    public static final String CONFIG = "config";
    public static final String ORG = "org";
    public static final String BATCHES = "batches";
    /** Accounts per Map item (template.yaml parameter AccountsPerTask); {@link #DEFAULT_BATCH} without it. */
    public static final String BATCH_ENV = "PALISADE_ACCOUNTS_PER_TASK";
    public static final int DEFAULT_BATCH = 10;
    public static final int MAX_BATCH = 50;
    /** What the organization's stub keeps: small, and all the state machine reads of it. */
    static final List<String> ORG_STUB = List.of(REF, "managementAccountId", "organizationId", "ready", "polls",
            "queued", "identity");
    private static final int CACHE_ENTRIES = 16;
    /** Per container: keys are content-addressed, so an entry never goes stale. */
    private static final Map<String, JsonNode> CACHE = new LinkedHashMap<>(CACHE_ENTRIES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JsonNode> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    private final RunStore store;
    private final int batchSize;

    public PayloadRefs(RunStore store, int batchSize) {
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            throw new IllegalArgumentException(BATCH_ENV + " must be 1 to " + MAX_BATCH + ", not " + batchSize);
        }
        this.store = store;
        this.batchSize = batchSize;
    }

    /** The function's run bucket and batch size, from its environment (template.yaml Globals). */
    public static PayloadRefs fromEnvironment(java.util.function.Supplier<RunStore> store) {
        return fromEnvironment(store, System.getenv());
    }

    static PayloadRefs fromEnvironment(java.util.function.Supplier<RunStore> store, Map<String, String> env) {
        String bucket = env.get(RunStore.BUCKET_ENV);
        String size = env.get(BATCH_ENV);
        int batch;
        try {
            batch = size == null || size.isBlank() ? DEFAULT_BATCH : Integer.parseInt(size.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(BATCH_ENV + " must be a number, not '" + size + "'");
        }
        return new PayloadRefs(bucket == null || bucket.isBlank() ? null : store.get(), batch);
    }

    /** Inline only: what a unit test's in-process phase uses. */
    public static PayloadRefs inline() {
        return new PayloadRefs(null, DEFAULT_BATCH);
    }

    /** The fields the organization's reference keeps in the payload (the rest is in the run bucket). */
    public static List<String> orgStubFields() {
        return ORG_STUB;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The run bucket, or {@code null} when the payload is inline. */
    public RunStore store() {
        return store;
    }

    static boolean cached(String key) {
        synchronized (CACHE) {
            return CACHE.containsKey(key);
        }
    }

    /**
     * A copy of {@code payload} with each referenced {@code config} and {@code org} replaced by the
     * stored object: at the top level, and one level down (the compensation's input nests the
     * payload under {@code run}).
     */
    public JsonNode resolve(JsonNode payload) {
        if (!(payload instanceof ObjectNode)) {
            return payload;
        }
        ObjectNode copy = payload.deepCopy();
        resolveFields(copy);
        for (Iterator<Map.Entry<String, JsonNode>> it = copy.fields(); it.hasNext(); ) {
            if (it.next().getValue() instanceof ObjectNode nested) {
                resolveFields(nested);
            }
        }
        return copy;
    }

    private void resolveFields(ObjectNode node) {
        for (String field : List.of(CONFIG, ORG)) {
            JsonNode ref = node.path(field).path(REF);
            if (ref.isTextual()) {
                node.set(field, load(ref.asText()));
            }
        }
    }

    private JsonNode load(String key) {
        synchronized (CACHE) {
            JsonNode cached = CACHE.get(key);
            if (cached != null) {
                return cached.deepCopy();
            }
        }
        if (store == null) {
            throw new IllegalStateException("The payload references " + key + " but the function has no run bucket ("
                    + RunStore.BUCKET_ENV + ")");
        }
        JsonNode value = store.get(key, JsonNode.class);
        remember(key, value);
        return value.deepCopy();
    }

    static void remember(String key, JsonNode value) {
        synchronized (CACHE) {
            CACHE.put(key, value);
        }
    }

    /**
     * The account keys the Map states iterate: {@code members} (every account but the identity
     * account, management last) and {@code targets} (the identity account first, then the
     * members), each cut into batches of at most the batch size, in order.
     */
    public record Batches(List<List<String>> members, List<List<String>> targets) {
        static Batches of(RunState.Org org, int size) {
            if (org == null || org.members() == null || org.targets() == null) {
                return null;
            }
            return new Batches(cut(org.members(), size), cut(org.targets(), size));
        }

        static List<List<String>> cut(List<RunState.Target> targets, int size) {
            List<List<String>> out = new ArrayList<>();
            for (int i = 0; i < targets.size(); i += size) {
                out.add(targets.subList(i, Math.min(targets.size(), i + size)).stream()
                        .map(RunState.Target::key).toList());
            }
            return out;
        }
    }
}
