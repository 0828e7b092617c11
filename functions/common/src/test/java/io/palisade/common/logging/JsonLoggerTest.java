package io.palisade.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class JsonLoggerTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final JsonLoggerFactory factory =
            new JsonLoggerFactory(Map.of(), new PrintStream(bytes, true, StandardCharsets.UTF_8));

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    private String[] lines() {
        return bytes.toString(StandardCharsets.UTF_8).split("\n");
    }

    @Test
    void info_whenLogged_writesOneJsonLineWithTheRequestIdAndTheFormattedMessage() {
        MDC.put("function_request_id", "req-42");
        MDC.put("cold_start", "true");
        factory.getLogger("io.palisade.x.Phase").info("made {} of {}", 2, 3);

        assertThat(lines()).hasSize(1);
        JsonNode line = Json.read(lines()[0], JsonNode.class);
        assertThat(line.get("level").asText()).isEqualTo("INFO");
        assertThat(line.get("message").asText()).isEqualTo("made 2 of 3");
        assertThat(line.get("function_request_id").asText()).isEqualTo("req-42");
        assertThat(line.get("service").asText()).isEqualTo("palisade");
        assertThat(line.get("cold_start").isBoolean()).as("a boolean, as Powertools wrote it").isTrue();
        assertThat(line.get("logger").asText()).isEqualTo("io.palisade.x.Phase");
        assertThat(line.hasNonNull("timestamp")).isTrue();
    }

    @Test
    void warn_whenGivenAThrowable_writesItUnderErrorOnTheSameLine() {
        factory.getLogger("io.palisade.x.Phase").warn("failed: {}", "x", new IllegalStateException("boom\nline 2"));

        assertThat(lines()).as("the stack stays inside the one JSON line").hasSize(1);
        JsonNode error = Json.read(lines()[0], JsonNode.class).get("error");
        assertThat(error.get("name").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.get("message").asText()).isEqualTo("boom\nline 2");
        assertThat(error.get("stack").asText()).contains("JsonLoggerTest");
    }

    @Test
    void getLogger_whenALibraryLogs_keepsOnlyWarningsAndErrors() {
        factory.getLogger("software.amazon.awssdk.request").info("sending");
        factory.getLogger("software.amazon.awssdk.request").debug("sending");

        assertThat(bytes.size()).isZero();
        assertThat(factory.getLogger("io.palisade.x").isDebugEnabled()).isFalse();
        assertThat(factory.getLogger("io.palisade.x").isInfoEnabled()).isTrue();
    }

    @Test
    void getLogger_whenTheLevelIsConfigured_usesItForPalisadeLoggers() {
        JsonLoggerFactory debug = new JsonLoggerFactory(Map.of("PALISADE_LOG_LEVEL", "debug"), System.out);

        assertThat(debug.getLogger("io.palisade.x").isDebugEnabled()).isTrue();
        assertThat(debug.getLogger("software.amazon.awssdk").isInfoEnabled()).isFalse();
    }

    @Test
    void loggerFactory_whenSlf4jStarts_findsThisProvider() {
        assertThat(LoggerFactory.getLogger("io.palisade.any")).isInstanceOf(JsonLogger.class);
    }
}
