package io.palisade.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.errors.InvalidConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import java.io.StringWriter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.StringLayout;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import io.palisade.common.testkit.TestContext;

class PhaseHandlerTest {
    record Input(String name, List<String> tags) {}

    record Output(String greeting, Integer count) {}

    /** A run-level phase: its result goes under {@code result}. */
    static final class Greeter extends PhaseHandler<Input, Output> {
        Greeter() {
            super(Input.class, "result");
        }

        @Override
        protected Output handle(Input input) {
            if ("fail".equals(input.name())) {
                throw new InvalidConfigException("Invalid config: name is fail");
            }
            if ("log".equals(input.name())) {
                LoggerFactory.getLogger(Greeter.class).info("greeting {}", input.name());
            }
            return new Output("hello " + input.name(), input.tags() == null ? null : input.tags().size());
        }
    }

    /** A per-account phase: returns its result alone. */
    static final class ItemGreeter extends PhaseHandler<Input, Output> {
        ItemGreeter() {
            super(Input.class);
        }

        @Override
        protected Output handle(Input input) {
            return new Output("hi " + input.name(), 1);
        }
    }

    /** Just enough of a Lambda context for Powertools' logging. */
    private static JsonNode invoke(PhaseHandler<?, ?> handler, String json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), out, new TestContext());
        return Json.read(out.toString(StandardCharsets.UTF_8), JsonNode.class);
    }

    @Test
    void handleRequest_whenPayloadIsTheProbe_answersWithoutRunningThePhase() {
        JsonNode out = invoke(new PhaseHandler<Input, Output>(Input.class, "result") {
            @Override
            protected Output handle(Input input) {
                throw new AssertionError("the phase ran");
            }
        }, "{\"probe\":true}");

        assertThat(out.get("probe").asText()).isEqualTo("ok");
        assertThat(out.get("handler").asText()).contains("PhaseHandlerTest");
    }

    @Test
    void handleRequest_whenProbeComesWithAnythingElse_runsThePhase() {
        assertThat(invoke(new Greeter(), "{\"probe\":true,\"name\":\"ada\"}").at("/result/greeting").asText())
                .isEqualTo("hello ada");
        assertThat(invoke(new Greeter(), "{\"probe\":\"yes\",\"name\":\"bo\"}").at("/result/greeting").asText())
                .isEqualTo("hello bo");
    }

    @Test
    void handleRequest_whenPhaseHasResultField_returnsThePayloadWithTheResultUnderIt() {
        JsonNode out = invoke(new Greeter(),
                "{\"name\":\"ada\",\"tags\":[\"a\",\"b\"],\"run\":{\"id\":\"r1\"},\"applied\":[1,2]}");

        assertThat(out.at("/result/greeting").asText()).isEqualTo("hello ada");
        assertThat(out.at("/result/count").asInt()).isEqualTo(2);
        assertThat(out.get("name").asText()).isEqualTo("ada");
        assertThat(out.at("/run/id").asText()).as("unknown field kept").isEqualTo("r1");
        assertThat(out.get("applied")).as("unknown field kept").hasSize(2);
    }

    @Test
    void handleRequest_whenResultFieldIsAlreadyThere_replacesIt() {
        JsonNode out = invoke(new Greeter(), "{\"name\":\"ada\",\"result\":{\"greeting\":\"old\",\"stale\":true}}");

        assertThat(out.get("result")).isEqualTo(Json.read("{\"greeting\":\"hello ada\"}", JsonNode.class));
    }

    @Test
    void handleRequest_whenPhaseHasNoResultField_returnsTheResultAlone() {
        JsonNode out = invoke(new ItemGreeter(), "{\"name\":\"bob\",\"other\":1}");

        assertThat(out).isEqualTo(Json.read("{\"greeting\":\"hi bob\",\"count\":1}", JsonNode.class));
    }

    @Test
    void handleRequest_whenPhaseThrowsANamedError_propagatesItUnwrapped() {
        // Lambda reports the thrown class's name as errorType: the state machine's ErrorEquals relies on it
        assertThatThrownBy(() -> invoke(new Greeter(), "{\"name\":\"fail\"}"))
                .isExactlyInstanceOf(InvalidConfigException.class)
                .hasMessage("Invalid config: name is fail");
    }

    @Test
    void handleRequest_whenInputIsNotJson_saysSo() {
        assertThatThrownBy(() -> invoke(new Greeter(), "not json"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("The phase input is not JSON");
    }

    @Test
    void handleRequest_whilePhaseLogs_writesPowertoolsJsonWithTheLambdaContext() {
        StringWriter lines = new StringWriter();
        WriterAppender capture = captureAppender(lines);
        try {
            invoke(new Greeter(), "{\"name\":\"log\"}");
            invoke(new Greeter(), "{\"name\":\"log\"}");
        } finally {
            removeAppender(capture);
        }

        List<JsonNode> logged = lines.toString().lines().map(l -> Json.read(l, JsonNode.class)).toList();
        assertThat(logged).hasSize(2);
        JsonNode first = logged.get(0);
        assertThat(first.get("level").asText()).isEqualTo("INFO");
        assertThat(first.get("message").asText()).isEqualTo("greeting log");
        assertThat(first.get("service").asText()).isEqualTo("palisade");
        assertThat(first.get("function_request_id").asText()).isEqualTo("req-1");
        assertThat(first.get("function_name").asText()).isEqualTo("test");
        assertThat(first.get("cold_start").isBoolean()).as("cold_start as Powertools writes it").isTrue();
        assertThat(logged.get(1).get("cold_start").asBoolean()).as("not the container's first invocation").isFalse();
        assertThat(MDC.get("function_request_id")).as("cleared after the invocation").isNull();
    }

    @Test
    void powertoolsLogging_runsWithoutItsSerializationModule() {
        // excluded in the root pom (what only correlation ids, POJO arguments and Lambda events use):
        // the test above logs through the real layout without them
        for (String absent : List.of("software.amazon.lambda.powertools.utilities.JsonConfig",
                "io.burt.jmespath.JmesPath", "org.joda.time.DateTime",
                "com.amazonaws.services.lambda.runtime.events.SQSEvent")) {
            assertThatThrownBy(() -> Class.forName(absent)).as(absent).isInstanceOf(ClassNotFoundException.class);
        }
    }

    /** A second appender with the layout of log4j2.xml's JsonAppender (Powertools' LambdaJsonLayout). */
    private static WriterAppender captureAppender(StringWriter lines) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        StringLayout layout = (StringLayout) config.getAppender("JsonAppender").getLayout();
        WriterAppender capture = WriterAppender.createAppender(layout, null, lines, "capture", false, true);
        capture.start();
        config.addAppender(capture);
        config.getLoggerConfig("io.palisade").addAppender(capture, null, null);
        context.updateLoggers();
        return capture;
    }

    private static void removeAppender(WriterAppender capture) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig("io.palisade").removeAppender(capture.getName());
        context.updateLoggers();
        capture.stop();
    }
}
