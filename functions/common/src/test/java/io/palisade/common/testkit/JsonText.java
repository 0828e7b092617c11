package io.palisade.common.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reading policy documents in tests, where a field may hold one string or a list of them. */
public final class JsonText {
    private JsonText() {}

    /** The node's text values: its elements if an array, itself if a value, nothing if missing. */
    public static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }
}
