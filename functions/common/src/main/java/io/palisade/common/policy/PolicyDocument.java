package io.palisade.common.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palisade.common.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one way Palisade reads a policy document back from AWS and tells whether it already says
 * what the config wants: IAM role trust and inline policies, bucket, key and topic policies.
 *
 * <p>Two documents are equivalent when they grant the same, whatever their form:
 * <ul>
 *   <li>object keys in any order;</li>
 *   <li>lists (statements, actions, resources, condition values) in any order;</li>
 *   <li>a one-element list the same as its element ({@code "Action": "s3:GetObject"});</li>
 *   <li>numbers and booleans the same as their text (IAM condition values are strings);</li>
 *   <li>no {@code Version} the same as IAM's default for it, {@value #DEFAULT_VERSION}.</li>
 * </ul>
 */
public final class PolicyDocument {
    /** The policy language version every document Palisade writes names. */
    public static final String VERSION = "2012-10-17";
    /** What IAM assumes when a document names no {@code Version}. */
    public static final String DEFAULT_VERSION = "2008-10-17";

    private PolicyDocument() {}

    /**
     * A policy document as AWS returns it: IAM's {@code Get*} calls URL-encode it (RFC 3986);
     * S3, KMS, SNS and emulators may not. {@code null} when absent.
     */
    public static JsonNode parse(String document) {
        if (document == null || document.isBlank()) {
            return null;
        }
        String json = document.strip();
        if (!json.startsWith("{")) {
            json = URLDecoder.decode(json, StandardCharsets.UTF_8);
        }
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("Unreadable policy document: " + e.getMessage(), e);
        }
    }

    /** Whether two documents grant the same (see the class comment); two absent ones do. */
    public static boolean equivalent(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        return normalize(a).equals(normalize(b));
    }

    /** {@code actual} as read back (a tree) against {@code expected} as written (maps, lists, records or a tree). */
    public static boolean equivalent(JsonNode actual, Object expected) {
        return equivalent(actual, expected == null ? null : (JsonNode) Json.MAPPER.valueToTree(expected));
    }

    /** A document exactly as AWS returned it (see {@link #parse}) against {@code expected}. */
    public static boolean equivalent(String actual, Object expected) {
        return equivalent(parse(actual), expected);
    }

    /**
     * The canonical form two equivalent documents share: keys sorted, lists sorted by their
     * canonical text, one-element lists unwrapped, scalars as text, the default version explicit.
     */
    public static JsonNode normalize(JsonNode document) {
        JsonNode normal = canonical(document);
        if (normal.isObject() && normal.has("Statement") && !normal.has("Version")) {
            ObjectNode withVersion = JsonNodeFactory.instance.objectNode();
            withVersion.put("Version", DEFAULT_VERSION);
            normal.fields().forEachRemaining(e -> withVersion.set(e.getKey(), e.getValue()));
            return canonical(withVersion);
        }
        return normal;
    }

    private static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            // sorted, so that equal objects also write (and so sort within lists) alike
            Map<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                sorted.put(e.getKey(), canonical(e.getValue()));
            }
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            sorted.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(item -> items.add(canonical(item)));
            if (items.size() == 1) {
                return items.get(0);
            }
            items.sort(Comparator.comparing(Json::write));
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            items.forEach(out::add);
            return out;
        }
        if (node.isNumber() || node.isBoolean()) {
            // IAM condition values are strings; "true" and true mean the same to it
            return JsonNodeFactory.instance.textNode(node.asText());
        }
        return node;
    }
}
