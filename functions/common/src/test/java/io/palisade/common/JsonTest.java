package io.palisade.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.Emulator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void digest_whenMapKeysComeInAnotherOrder_isTheSame() {
        Map<String, Object> a = ordered("b", 1, "a", ordered("y", List.of(1, 2), "x", "v"));
        Map<String, Object> b = ordered("a", ordered("x", "v", "y", List.of(1, 2)), "b", 1);

        assertThat(Json.digest(a)).isEqualTo(Json.digest(b)).hasSize(64).matches("[0-9a-f]{64}");
    }

    @Test
    void digest_whenATreeHasItsKeysInAnotherOrder_isTheSame() {
        JsonNode a = Json.read("{\"b\": 1, \"a\": {\"y\": [1, 2], \"x\": \"v\"}}", JsonNode.class);
        JsonNode b = Json.read("{\"a\": {\"x\": \"v\", \"y\": [1, 2]}, \"b\": 1}", JsonNode.class);

        assertThat(Json.digest(a)).isEqualTo(Json.digest(b));
    }

    @Test
    void digest_whenConfigRolesAreDeclaredInAnotherOrder_isTheSame() {
        OrgConfig config = Emulator.config("digest");
        Map<String, OrgConfig.RoleDef> reversed = new LinkedHashMap<>();
        List.copyOf(config.roles().keySet()).reversed().forEach(k -> reversed.put(k, config.roles().get(k)));
        OrgConfig reordered = new OrgConfig(config.organization(), config.identityAccount(), config.accounts(),
                reversed, config.groups(), config.users(), config.passwordPolicy(), config.alerts());

        assertThat(Json.digest(reordered)).isEqualTo(Json.digest(config));
    }

    @Test
    void digest_whenAValueChanges_differs() {
        assertThat(Json.digest(Map.of("a", 1))).isNotEqualTo(Json.digest(Map.of("a", 2)));
        assertThat(Json.digest(List.of(1, 2))).as("list order matters").isNotEqualTo(Json.digest(List.of(2, 1)));
    }

    @Test
    void write_whenValueHasNulls_omitsThemAndSortsMapKeys() {
        assertThat(Json.write(ordered("b", null, "c", 1, "a", "x"))).isEqualTo("{\"a\":\"x\",\"c\":1}");
    }

    @Test
    void read_whenPayloadHasUnknownFields_ignoresThem() {
        OrgConfig.Grant grant = Json.read("{\"account\":\"prod\",\"role\":\"Developer\",\"extra\":true}",
                OrgConfig.Grant.class);

        assertThat(grant).isEqualTo(new OrgConfig.Grant("prod", "Developer"));
    }
}
