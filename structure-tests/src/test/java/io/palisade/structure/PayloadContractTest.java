package io.palisade.structure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.OffloadingPhaseHandler;
import io.palisade.common.PhaseHandler;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.PayloadRefs;
import io.palisade.common.state.RunState;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The state machine's payload is {@link RunState} (issue 9): every state's {@code ResultPath}
 * (and each Catch's) names one of its components, what lands there has the component's type (the
 * invoked handler's declared result type, through a {@code ResultSelector} wrapper or a Map's
 * list), and every path a state reads ({@code $.a.b} in Parameters, ItemSelector, ItemsPath,
 * Choice variables) exists in that record: in the payload {@code config} and {@code org} are
 * references, so a read of {@code $.org.x} must be one of the fields the org's reference keeps.
 */
class PayloadContractTest {
    private static final Pattern FUNCTION_ARN = Pattern.compile("\\$\\{([A-Za-z0-9]+)FunctionArn}");
    private static final Pattern PAYLOAD_PATH = Pattern.compile("(?<![$\\w])\\$((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");

    private static JsonNode template;
    private static JsonNode asl;
    private static Map<String, RecordComponent> payload;

    @BeforeAll
    static void read() {
        template = Repository.template();
        asl = Repository.stateMachine();
        payload = new LinkedHashMap<>();
        for (RecordComponent c : RunState.class.getRecordComponents()) {
            payload.put(c.getName(), c);
        }
    }

    /** The handler class a lambda:invoke Task runs (through the template's *FunctionArn substitution). */
    private static Class<?> handlerOf(JsonNode task) {
        Matcher m = FUNCTION_ARN.matcher(task.path("Parameters").path("FunctionName").asText());
        assertThat(m.matches()).as("FunctionName of %s", task).isTrue();
        JsonNode function = template.path("Resources").path(m.group(1) + "Function");
        String handler = function.path("Properties").path("Handler").asText();
        try {
            return Class.forName(handler.substring(0, handler.indexOf("::")));
        } catch (ClassNotFoundException e) {
            throw new AssertionError("no handler class " + handler, e);
        }
    }

    /** The handler's declared result type: the second type argument of PhaseHandler. */
    private static Type resultType(Class<?> handler) {
        Type t = handler.getGenericSuperclass();
        assertThat(t).as("%s extends PhaseHandler<I, O>", handler.getSimpleName()).isInstanceOf(ParameterizedType.class);
        return ((ParameterizedType) t).getActualTypeArguments()[1];
    }

    /** A run-level phase's result field (its FIELD constant), or {@code null} for a per-item phase. */
    private static String resultField(Class<?> handler) {
        try {
            Field f = handler.getDeclaredField("FIELD");
            f.setAccessible(true);
            return (String) f.get(null);
        } catch (NoSuchFieldException e) {
            return null;
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isLambdaTask(JsonNode state) {
        return "Task".equals(state.path("Type").asText())
                && state.path("Resource").asText().endsWith(":states:::lambda:invoke");
    }

    /** {@code $.x} as {@code x}; {@code null} for a ResultPath null; fails on a deeper path. */
    private static String topField(String state, JsonNode resultPath) {
        if (resultPath.isNull()) {
            return null;
        }
        String path = resultPath.asText();
        assertThat(path).as("ResultPath of %s: one top-level field of RunState", state).matches("\\$\\.[A-Za-z]+");
        return path.substring(2);
    }

    private static RecordComponent component(String state, String field) {
        assertThat(payload).as("%s writes $.%s: RunState must have it", state, field).containsKey(field);
        return payload.get(field);
    }

    private static Map<String, JsonNode> topStates() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        asl.path("States").properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    @Test
    void resultPaths_whenATaskReturnsThePayload_nameTheHandlersResultFieldWithItsType() {
        List<String> checked = new ArrayList<>();
        topStates().forEach((name, state) -> {
            if (!isLambdaTask(state) || state.has("ResultPath") || !"$.Payload".equals(state.path("OutputPath").asText())) {
                return;
            }
            Class<?> handler = handlerOf(state);
            String field = resultField(handler);
            assertThat(field).as("%s passes the handler's payload on: %s must name its result field", name,
                    handler.getSimpleName()).isNotNull();
            assertThat(component(name, field).getGenericType()).as("type of $.%s (%s)", field, name)
                    .isEqualTo(resultType(handler));
            checked.add(name);
        });
        assertThat(checked).contains("LoadConfig", "PlanOrganization", "CreateAccounts", "AwaitAccounts",
                "MigrateState", "CreateTempAdmin", "IssueOneTimeLogin", "TeardownTempAdmin", "RecordReport");
    }

    @Test
    void resultPaths_whenATaskSelectsItsResult_nameARecordWrappingTheHandlersResult() {
        List<String> checked = new ArrayList<>();
        topStates().forEach((name, state) -> {
            if (!isLambdaTask(state) || !state.has("ResultPath")) {
                return;
            }
            String field = topField(name, state.get("ResultPath"));
            Class<?> handler = handlerOf(state);
            assertThat(resultField(handler)).as("%s stores its result itself: %s returns the result alone", name,
                    handler.getSimpleName()).isNull();
            Class<?> wrapper = component(name, field).getType();
            JsonNode selector = state.path("ResultSelector");
            assertThat(selector.size()).as("%s ResultSelector: one field", name).isEqualTo(1);
            String inner = selector.fieldNames().next().replaceAll("\\.\\$$", "");
            assertThat(selector.path(inner + ".$").asText()).isEqualTo("$.Payload");
            assertThat(wrapper.isRecord()).as("$.%s is a record", field).isTrue();
            assertThat(wrapper.getRecordComponents()).extracting(RecordComponent::getName).containsExactly(inner);
            assertThat(wrapper.getRecordComponents()[0].getGenericType()).as("$.%s.%s (%s)", field, inner, name)
                    .isEqualTo(resultType(handler));
            checked.add(name);
        });
        assertThat(checked).contains("PlanIdentityAccount", "ApplyIdentityAccount", "Compensate");
    }

    @Test
    void resultPaths_whenAMapCollectsItsItems_nameAListOfTheItemHandlersResult() {
        List<String> checked = new ArrayList<>();
        topStates().forEach((name, state) -> {
            if (!"Map".equals(state.path("Type").asText())) {
                return;
            }
            String field = topField(name, state.path("ResultPath"));
            JsonNode processor = state.path("ItemProcessor");
            JsonNode task = processor.path("States").path(processor.path("StartAt").asText());
            assertThat(isLambdaTask(task)).as("%s runs one Lambda task per item", name).isTrue();
            Type item = resultType(handlerOf(task));
            Type type = component(name, field).getGenericType();
            assertThat(type).as("$.%s (%s) is a list", field, name).isInstanceOf(ParameterizedType.class);
            assertThat(((ParameterizedType) type).getRawType()).isEqualTo(List.class);
            assertThat(((ParameterizedType) type).getActualTypeArguments()[0]).as("items of $.%s", field).isEqualTo(item);
            checked.add(name);
        });
        assertThat(checked).containsExactlyInAnyOrder("PlanMemberAccounts", "PlanRootLoginAlarms",
                "ApplyMemberAccounts", "SetRootLoginAlarms");
    }

    @Test
    void resultPaths_whenSetByAPassStateOrACatch_nameAComponent() {
        topStates().forEach((name, state) -> {
            if ("Pass".equals(state.path("Type").asText()) && state.has("ResultPath")) {
                component(name, topField(name, state.get("ResultPath")));
            }
            state.path("Catch").forEach(c -> {
                String field = topField(name + " Catch", c.path("ResultPath"));
                assertThat(component(name, field).getType()).as("%s Catch writes $.%s", name, field)
                        .isEqualTo(RunState.Failure.class);
            });
        });
    }

    @Test
    void phasesThatReturnTheConfigOrTheOrg_storeThemByReference() {
        topStates().forEach((name, state) -> {
            if (!isLambdaTask(state)) {
                return;
            }
            Class<?> handler = handlerOf(state);
            String field = resultField(handler);
            boolean large = PayloadRefs.CONFIG.equals(field) || PayloadRefs.ORG.equals(field);
            assertThat(OffloadingPhaseHandler.class.isAssignableFrom(handler))
                    .as("%s (%s) returns $.%s: it offloads exactly when that is the config or the org", name,
                            handler.getSimpleName(), field)
                    .isEqualTo(large);
            assertThat(PhaseHandler.class.isAssignableFrom(handler)).isTrue();
        });
        assertThat(payload.get(PayloadRefs.CONFIG).getType()).isEqualTo(OrgConfig.class);
        assertThat(payload.get(PayloadRefs.ORG).getType()).isEqualTo(RunState.Org.class);
    }

    @Test
    void readPaths_inEveryState_existInThePayloadAndReadTheOrgOnlyThroughItsReference() {
        List<String> problems = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        walk(asl.path("States"), "", problems, seen);
        assertThat(problems).as("paths the states read that the payload does not have").isEmpty();
        assertThat(seen).as("the reads this test saw").contains("$.org.identity.key", "$.batches.members",
                "$.batches.targets", "$.org.ready", "$.org.queued", "$.report.digest", "$.config");
    }

    private static void walk(JsonNode states, String scope, List<String> problems, List<String> seen) {
        states.properties().forEach(e -> {
            String name = scope + e.getKey();
            JsonNode state = e.getValue();
            boolean inMap = !scope.isEmpty();
            for (String part : List.of("Parameters", "ItemSelector", "ItemsPath", "Choices", "InputPath")) {
                // inside a Map item the input is the ItemSelector's object, not the payload
                if (!state.has(part) || inMap) {
                    continue;
                }
                Matcher m = PAYLOAD_PATH.matcher(state.get(part).toString());
                while (m.find()) {
                    String path = "$" + m.group(1);
                    if (path.startsWith("$.Payload") || path.startsWith("$.Map")) {
                        continue;
                    }
                    seen.add(path);
                    String problem = check(m.group(1).substring(1).split("\\."));
                    if (problem != null) {
                        problems.add(name + " " + part + " reads " + path + ": " + problem);
                    }
                }
            }
            JsonNode processor = state.path("ItemProcessor");
            if (processor.has("States")) {
                walk(processor.path("States"), name + ".", problems, seen);
            }
        });
    }

    /** Why {@code $.<segments>} is not in the payload, or {@code null} when it is. */
    private static String check(String[] segments) {
        RecordComponent top = payload.get(segments[0]);
        if (top == null) {
            return "RunState has no " + segments[0];
        }
        if (segments.length == 1) {
            return null;
        }
        if (top.getName().equals(PayloadRefs.CONFIG)) {
            return "the config is a reference in the payload: pass $.config whole";
        }
        if (top.getName().equals(PayloadRefs.ORG) && !PayloadRefs.orgStubFields().contains(segments[1])) {
            return "the org's reference keeps only " + PayloadRefs.orgStubFields();
        }
        Class<?> type = top.getType();
        for (int i = 1; i < segments.length; i++) {
            if (!type.isRecord()) {
                return null; // a list, a map, a string: not followed further
            }
            String segment = segments[i];
            RecordComponent next = null;
            for (RecordComponent c : type.getRecordComponents()) {
                if (c.getName().equals(segment)) {
                    next = c;
                }
            }
            if (next == null) {
                return type.getSimpleName() + " has no " + segment;
            }
            type = next.getType();
        }
        return null;
    }
}
