package io.palisade.structure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.palisade.common.Json;
import io.palisade.common.config.ConfigValidator;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidConfigException;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * config/organization.yaml, its JSON schema (what editors check) and {@link ConfigValidator}
 * (what the first phase checks) must agree.
 */
class ConfigSchemaTest {
    private static JsonNode config;
    private static JsonSchema schema;

    @BeforeAll
    static void read() throws IOException {
        config = new YAMLMapper().readTree(Repository.read("config/organization.yaml"));
        JsonNode schemaJson = Json.read(Repository.read("config/organization.schema.json"), JsonNode.class);
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schemaJson);
    }

    private static JsonNode variant(Consumer<ObjectNode> change) {
        ObjectNode copy = config.deepCopy();
        change.accept(copy);
        return copy;
    }

    private static OrgConfig bind(JsonNode node) {
        return Json.MAPPER.convertValue(node, OrgConfig.class);
    }

    @Test
    void organizationYaml_whenValidatedAgainstTheSchema_hasNoErrors() {
        Set<ValidationMessage> errors = schema.validate(config);

        assertThat(errors).isEmpty();
    }

    @Test
    void organizationYaml_whenBoundToOrgConfig_passesConfigValidator() {
        OrgConfig bound = bind(config);

        assertThat(ConfigValidator.validate(bound)).isSameAs(bound);
        assertThat(bound.organization().name()).isEqualTo("example");
        assertThat(bound.identity().key()).isEqualTo("infosec");
        assertThat(bound.accounts()).extracting(OrgConfig.Account::key).containsExactly("infosec", "prod", "non-prod");
        assertThat(bound.rolesIn(OrgConfig.MANAGEMENT)).containsExactly("Billing", "Support", "SecurityAudit");
        // CIS 1.17 (AWS Support) and an auditor's role in every account, the management account included
        for (String key : List.of(OrgConfig.MANAGEMENT, "infosec", "prod", "non-prod")) {
            assertThat(bound.rolesIn(key)).as(key).contains("Support", "SecurityAudit");
        }
        assertThat(bound.roles().get("Support").policy()).isEqualTo("AWSSupportAccess");
        assertThat(bound.roles().get("SecurityAudit").policy()).isEqualTo("SecurityAudit");
        assertThat(bound.passwordPolicy().minimumLength()).isEqualTo(14);
    }

    @Test
    void configRecorder_isOnByDefault_andFalseTurnsItOff_andANonBooleanIsRefusedByTheSchema() {
        assertThat(bind(config).recordsConfig()).isTrue();
        assertThat(bind(variant(c -> c.remove("configRecorder"))).recordsConfig()).isTrue();

        JsonNode off = variant(c -> c.put("configRecorder", false));
        assertThat(schema.validate(off)).isEmpty();
        assertThat(ConfigValidator.validate(bind(off)).recordsConfig()).isFalse();
        assertThat(schema.validate(variant(c -> c.put("configRecorder", "maybe"))))
                .anySatisfy(m -> assertThat(m.toString()).contains("configRecorder"));
    }

    @Test
    void organizationYaml_whenBoundAndWrittenBack_keepsEveryField() {
        // a field the record does not know would be dropped silently: the schema and the record must match
        JsonNode roundTrip = Json.MAPPER.valueToTree(bind(config));

        assertThat(roundTrip).isEqualTo(config);
    }

    static Stream<Arguments> invalidVariants() {
        return Stream.of(
                Arguments.of("duplicate email", "accounts[1].email",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/accounts/1"))
                                .put("email", c.at("/accounts/0/email").asText().toUpperCase())),
                Arguments.of("unknown group in a user", "users[1].groups[2]",
                        (Consumer<ObjectNode>) c -> ((ArrayNode) c.at("/users/1/groups")).add("NoSuchGroup")),
                Arguments.of("password length 8", "passwordPolicy.minimumLength",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/passwordPolicy")).put("minimumLength", 8)),
                Arguments.of("unknown account in a grant", "groups[2].assume[0].account",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/groups/2/assume/0")).put("account", "staging")),
                Arguments.of("role of another account in a grant", "groups[5].assume[0].role",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/groups/5/assume/0")).put("role", "Developer")),
                Arguments.of("unknown identity account", "identityAccount",
                        (Consumer<ObjectNode>) c -> c.put("identityAccount", "security")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidVariants")
    void configValidator_whenConfigIsInvalid_rejectsItNamingTheField(String what, String field,
                                                                     Consumer<ObjectNode> change) {
        OrgConfig invalid = bind(variant(change));

        assertThatThrownBy(() -> ConfigValidator.validate(invalid))
                .as(what)
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(field + " ");
    }

    static Stream<Arguments> invalidForBoth() {
        return Stream.of(
                Arguments.of("password length 8", "passwordPolicy.minimumLength",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/passwordPolicy")).put("minimumLength", 8)),
                Arguments.of("reuse prevention 12", "passwordPolicy.reusePrevention",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/passwordPolicy")).put("reusePrevention", 12)),
                Arguments.of("upper-case organization name", "organization.name",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/organization")).put("name", "Example")),
                Arguments.of("region without a number", "organization.region",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/organization")).put("region", "us-east")),
                Arguments.of("reserved account key", "accounts[2].key",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/accounts/2")).put("key", "management")),
                Arguments.of("malformed email", "accounts[0].email",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/accounts/0")).put("email", "not-an-email")),
                Arguments.of("symbols not required", "passwordPolicy.requireSymbols",
                        (Consumer<ObjectNode>) c -> ((ObjectNode) c.at("/passwordPolicy")).put("requireSymbols", false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidForBoth")
    void schemaAndValidator_whenAFieldIsOutOfRange_bothRejectIt(String what, String field,
                                                              Consumer<ObjectNode> change) {
        JsonNode invalid = variant(change);

        assertThat(schema.validate(invalid)).as(what + ": schema errors").isNotEmpty();
        assertThatThrownBy(() -> ConfigValidator.validate(bind(invalid)))
                .as(what)
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(field + " ");
    }
}
