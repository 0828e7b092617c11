package io.palisade.structure;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.errors.PalisadeException;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The template, the state machine and the phases' code must agree: what one names, the other has.
 * Reads template.yaml and statemachine/bootstrap.asl.json from the repository root.
 */
class StateMachineStructureTest {
    private static final String FUNCTION = "AWS::Serverless::Function";
    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{([^}]+)}");
    /** The standard Lambda service-error Retry every lambda:invoke Task carries. */
    private static final List<String> LAMBDA_SERVICE_ERRORS = List.of("Lambda.ServiceException",
            "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
            "Lambda.ClientExecutionTimeoutException");
    /** The one transient error every phase throws for throttling, 5xx, timeouts and IAM/STS consistency. */
    private static final String TRANSIENT = "io.palisade.common.errors.TransientAwsException";
    /** Where every failure goes; it and what runs after it (or after success) need no compensation Catch. */
    private static final String COMPENSATE = "Compensate";
    private static final Set<String> COMPENSATE_PATH = Set.of(COMPENSATE, "NotifyFailure", "NotifyRun",
            "NotifyCleanupIncomplete");

    private static JsonNode template;
    private static JsonNode asl;

    @BeforeAll
    static void read() {
        template = Repository.template();
        asl = Repository.stateMachine();
    }

    // ------------------------------------------------------------------ helpers

    /** One States object (the top level, a Map's ItemProcessor, a Parallel branch) and where it is. */
    private record Scope(String path, JsonNode machine) {
        JsonNode states() {
            return machine.path("States");
        }
    }

    private static List<Scope> scopes() {
        List<Scope> out = new ArrayList<>();
        collectScopes(new Scope("States", asl), out);
        return out;
    }

    private static void collectScopes(Scope scope, List<Scope> out) {
        out.add(scope);
        scope.states().properties().forEach(e -> {
            JsonNode state = e.getValue();
            String at = scope.path() + "." + e.getKey();
            for (String processor : List.of("ItemProcessor", "Iterator")) {
                if (state.has(processor)) {
                    collectScopes(new Scope(at + "." + processor, state.get(processor)), out);
                }
            }
            for (int i = 0; i < state.path("Branches").size(); i++) {
                collectScopes(new Scope(at + ".Branches[" + i + "]", state.get("Branches").get(i)), out);
            }
        });
    }

    /** Every state of every scope, by its path. */
    private static Map<String, JsonNode> allStates() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Scope scope : scopes()) {
            scope.states().properties().forEach(e -> out.put(scope.path() + "." + e.getKey(), e.getValue()));
        }
        return out;
    }

    /** The names a state can go to: Next, Default, each Choice's Next, each Catch's Next. */
    private static List<String> transitions(JsonNode state) {
        List<String> out = new ArrayList<>();
        if (state.has("Next")) {
            out.add(state.get("Next").asText());
        }
        if (state.has("Default")) {
            out.add(state.get("Default").asText());
        }
        state.path("Choices").forEach(c -> out.add(c.path("Next").asText()));
        state.path("Catch").forEach(c -> out.add(c.path("Next").asText()));
        return out;
    }

    private static Map<String, JsonNode> functions() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        template.path("Resources").properties().forEach(e -> {
            if (FUNCTION.equals(e.getValue().path("Type").asText())) {
                out.put(e.getKey(), e.getValue());
            }
        });
        return out;
    }

    private static JsonNode stateMachineResource() {
        return template.path("Resources").path("BootstrapStateMachine");
    }

    private static String handlerClassOf(JsonNode function) {
        String handler = function.path("Properties").path("Handler").asText();
        return handler.contains("::") ? handler.substring(0, handler.indexOf("::")) : handler;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, StateMachineStructureTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    // ------------------------------------------------------------------ substitutions

    @Test
    void definitionSubstitutions_whenComparedWithTheAsl_matchEveryPlaceholderExactly() {
        Set<String> used = new TreeSet<>();
        Matcher m = SUBSTITUTION.matcher(Repository.read("statemachine/bootstrap.asl.json"));
        while (m.find()) {
            used.add(m.group(1));
        }
        Set<String> defined = new TreeSet<>();
        stateMachineResource().path("Properties").path("DefinitionSubstitutions").fieldNames()
                .forEachRemaining(defined::add);

        assertThat(used).as("placeholders in the ASL").isNotEmpty();
        assertThat(defined).as("DefinitionSubstitutions keys").containsExactlyInAnyOrderElementsOf(used);
    }

    @Test
    void definitionSubstitutions_whenNamingAFunctionArn_pointToThatFunctionWithAnInvokePolicy() {
        JsonNode props = stateMachineResource().path("Properties");
        Set<String> invokable = new HashSet<>();
        props.path("Policies").forEach(p -> {
            if (p.has("LambdaInvokePolicy")) {
                invokable.add(p.at("/LambdaInvokePolicy/FunctionName/Ref").asText());
            }
        });
        Set<String> referenced = new HashSet<>();
        props.path("DefinitionSubstitutions").properties().forEach(e -> {
            if (e.getKey().endsWith("FunctionArn")) {
                // the alias SAM publishes (AutoPublishAlias): the version SnapStart snapshotted
                String logicalId = e.getValue().path("Ref").asText();
                assertThat(logicalId).as(e.getKey()).isEqualTo(e.getKey().replace("FunctionArn", "Function") + ".Alias");
                String function = logicalId.substring(0, logicalId.indexOf('.'));
                assertThat(functions()).as(e.getKey()).containsKey(function);
                assertThat(invokable).as("LambdaInvokePolicy for " + function).contains(function);
                referenced.add(function);
            }
        });
        Set<String> expected = new HashSet<>(functions().keySet());
        expected.removeAll(statusChangeListeners());
        assertThat(referenced).as("every function but the status-change cleanup is invoked by the state machine")
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    /** Functions an EventBridge rule on this state machine's execution status changes invokes. */
    private static Set<String> statusChangeListeners() {
        Set<String> listeners = new HashSet<>();
        functions().forEach((name, function) -> function.path("Properties").path("Events").forEach(event -> {
            JsonNode pattern = event.path("Properties").path("Pattern");
            if ("EventBridgeRule".equals(event.path("Type").asText())
                    && texts(pattern.path("source")).contains("aws.states")) {
                listeners.add(name);
            }
        }));
        return listeners;
    }

    @Test
    void cleanup_whenAnExecutionEndsOutsideAnyCatch_isInvokedForThisStateMachine() {
        assertThat(statusChangeListeners()).containsExactly("CleanupFunction");
        JsonNode pattern = functions().get("CleanupFunction").at("/Properties/Events/ExecutionEnded/Properties/Pattern");
        assertThat(texts(pattern.path("detail-type"))).containsExactly("Step Functions Execution Status Change");
        assertThat(texts(pattern.at("/detail/status"))).containsExactlyInAnyOrder("ABORTED", "TIMED_OUT", "FAILED");
        assertThat(pattern.at("/detail/stateMachineArn/0/Ref").asText()).isEqualTo("BootstrapStateMachine");
        assertThat(functions().get("CleanupFunction").at("/Properties/Handler").asText())
                .isEqualTo("io.palisade.teardown.CleanupHandler::handleRequest");
    }

    // ------------------------------------------------------------------ transitions

    @Test
    void startAt_whenReadInEveryScope_namesAStateOfThatScope() {
        for (Scope scope : scopes()) {
            assertThat(scope.machine().path("StartAt").asText()).as(scope.path() + " StartAt")
                    .isNotEmpty()
                    .satisfies(start -> assertThat(scope.states().has(start)).as(scope.path() + " has " + start)
                            .isTrue());
        }
    }

    @Test
    void transitions_whenFollowed_nameExistingStatesOfTheSameScope() {
        List<String> dangling = new ArrayList<>();
        int checked = 0;
        for (Scope scope : scopes()) {
            for (var e : scope.states().properties()) {
                for (String next : transitions(e.getValue())) {
                    checked++;
                    if (!scope.states().has(next)) {
                        dangling.add(scope.path() + "." + e.getKey() + " -> '" + next + "'");
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(20);
        assertThat(dangling).as("transitions to states that do not exist in their scope").isEmpty();
    }

    @Test
    void states_whenNotTerminal_haveExactlyOneOfNextOrEnd() {
        Set<String> terminalTypes = Set.of("Succeed", "Fail", "Choice");
        allStates().forEach((path, state) -> {
            String type = state.path("Type").asText();
            assertThat(type).as(path + " Type").isIn("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Map",
                    "Parallel");
            if (terminalTypes.contains(type)) {
                assertThat(state.has("Next") || state.has("End")).as(path + " (" + type + ") has no Next/End").isFalse();
            } else {
                boolean next = state.hasNonNull("Next");
                boolean end = state.path("End").asBoolean(false);
                assertThat(next ^ end).as(path + " has exactly one of Next and End: true").isTrue();
            }
            if ("Choice".equals(type)) {
                assertThat(state.path("Choices").size()).as(path + " Choices").isPositive();
            }
        });
    }

    @Test
    void states_whenWalkedFromStartAt_areAllReachable() {
        for (Scope scope : scopes()) {
            Set<String> seen = new LinkedHashSet<>();
            Deque<String> todo = new ArrayDeque<>(List.of(scope.machine().path("StartAt").asText()));
            while (!todo.isEmpty()) {
                String name = todo.pop();
                if (seen.add(name) && scope.states().has(name)) {
                    todo.addAll(transitions(scope.states().get(name)));
                }
            }
            Set<String> all = new TreeSet<>();
            scope.states().fieldNames().forEachRemaining(all::add);
            assertThat(seen).as(scope.path() + ": states nothing leads to").containsAll(all);
        }
    }

    // ------------------------------------------------------------------ modes

    /**
     * plan, and drift without repair, take the read-only path: from ChooseMode's plan branch on
     * (failures aside) no state invokes a phase that creates accounts, takes the lock or makes a
     * temp-admin; every per-account task there is told the mode and repair, so it reads through
     * the audit role. bootstrap and drift with repair take the applying path.
     */
    @Test
    void planPath_whenWalkedFromChooseMode_invokesOnlyReadingPhasesAndPassesTheMode() {
        JsonNode states = asl.path("States");
        JsonNode choose = states.path("ChooseMode");
        assertThat(choose.path("Type").asText()).isEqualTo("Choice");
        assertThat(choose.path("Default").asText()).isEqualTo("CreateAccounts");
        assertThat(choose.path("Choices")).hasSize(1);
        JsonNode rule = choose.path("Choices").get(0);
        assertThat(Json.write(rule)).contains("\"StringEquals\":\"plan\"").contains("\"StringEquals\":\"drift\"")
                .contains("\"Not\":{\"Variable\":\"$.repair\",\"BooleanEquals\":true}");
        // a missing mode is bootstrap, a missing repair is false: both are set before ChooseMode
        assertThat(states.path("DefaultMode").path("Result").asText()).isEqualTo("bootstrap");
        assertThat(states.path("DefaultRepair").path("Result").asBoolean(true)).isFalse();

        Set<String> invoked = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(rule.path("Next").asText()));
        Set<String> seen = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!seen.add(name) || !states.has(name)) {
                continue;
            }
            JsonNode state = states.get(name);
            List<JsonNode> tasks = new ArrayList<>();
            if (state.has("ItemProcessor")) {
                state.path("ItemProcessor").path("States").forEach(tasks::add);
                assertThat(state.path("ItemSelector").path("mode.$").asText()).as(name + " passes mode").isEqualTo("$.mode");
                assertThat(state.path("ItemSelector").path("repair.$").asText()).as(name + " passes repair")
                        .isEqualTo("$.repair");
            } else {
                tasks.add(state);
            }
            for (JsonNode task : tasks) {
                String fn = task.path("Parameters").path("FunctionName").asText();
                if (!fn.isEmpty()) {
                    invoked.add(fn);
                }
                JsonNode payload = task.path("Parameters").path("Payload");
                if (payload.isObject() && payload.has("target.$")) {
                    assertThat(payload.path("mode.$").asText()).as(name + " passes mode").isEqualTo("$.mode");
                    assertThat(payload.path("tempAdmin.$").isMissingNode()).as(name + " has no temp-admin").isTrue();
                }
            }
            // only the success path: failures go to Compensate, checked elsewhere
            if (state.has("Next")) {
                todo.add(state.path("Next").asText());
            }
        }
        assertThat(invoked).containsExactlyInAnyOrder("${PlanAccountsFunctionArn}", "${ApplyAccountsFunctionArn}",
                "${RootLoginAlarmsFunctionArn}", "${RunReportFunctionArn}");
        assertThat(seen).contains("NotifyRun", "Succeeded");
        assertThat(states.path("NotifyRun").path("Parameters").path("Message.$").asText()).isEqualTo("$.report.digest");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void errorEquals_whenNamingAnError_namesAStatesOrLambdaErrorOrAPalisadeException() {
        List<String> named = new ArrayList<>();
        allStates().forEach((path, state) -> {
            for (String field : List.of("Retry", "Catch")) {
                for (JsonNode rule : state.path(field)) {
                    for (String error : texts(rule.path("ErrorEquals"))) {
                        named.add(error);
                        if (error.startsWith("States.") || error.startsWith("Lambda.")) {
                            continue;
                        }
                        Class<?> type = load(error);
                        assertThat(type).as(path + ": ErrorEquals '" + error + "' is not a class on the classpath")
                                .isNotNull();
                        assertThat(PalisadeException.class.isAssignableFrom(type))
                                .as(path + ": " + error + " extends PalisadeException").isTrue();
                        assertThat(Modifier.isAbstract(type.getModifiers())).as(error + " is concrete").isFalse();
                    }
                }
            }
        });
        assertThat(named).contains("States.ALL", "io.palisade.common.errors.AccountCreationTransientException",
                "io.palisade.common.errors.TempAdminNotReadyException");
    }

    @Test
    void errorEquals_whenStatesAllIsUsed_standsAloneInTheLastRule() {
        allStates().forEach((path, state) -> {
            for (String field : List.of("Retry", "Catch")) {
                JsonNode rules = state.path(field);
                for (int i = 0; i < rules.size(); i++) {
                    List<String> errors = texts(rules.get(i).path("ErrorEquals"));
                    assertThat(errors).as(path + " " + field + "[" + i + "] ErrorEquals").isNotEmpty();
                    if (errors.contains("States.ALL")) {
                        assertThat(errors).as(path + " " + field + "[" + i + "]").containsExactly("States.ALL");
                        assertThat(i).as(path + " " + field + ": States.ALL must be the last rule")
                                .isEqualTo(rules.size() - 1);
                    }
                }
            }
        });
    }

    @Test
    void lambdaInvokeTasks_whenDeclared_retryLambdaAndTransientErrorsWithFullJitter() {
        int tasks = 0;
        for (var e : allStates().entrySet()) {
            JsonNode state = e.getValue();
            if (!"Task".equals(state.path("Type").asText())
                    || !state.path("Resource").asText().endsWith(":states:::lambda:invoke")) {
                continue;
            }
            tasks++;
            assertThat(state.path("Resource").asText()).as(e.getKey()).startsWith("arn:${Partition}:");
            boolean standardRetry = false;
            for (JsonNode retry : state.path("Retry")) {
                if (texts(retry.path("ErrorEquals")).containsAll(LAMBDA_SERVICE_ERRORS)) {
                    assertThat(retry.path("JitterStrategy").asText()).as(e.getKey() + " Lambda retry jitter")
                            .isEqualTo("FULL");
                    assertThat(retry.path("MaxAttempts").asInt()).as(e.getKey() + " Lambda retry attempts")
                            .isGreaterThan(1);
                    standardRetry = true;
                }
            }
            assertThat(standardRetry).as(e.getKey() + " has the Lambda service-error Retry").isTrue();
            boolean transientRetry = false;
            for (JsonNode retry : state.path("Retry")) {
                if (texts(retry.path("ErrorEquals")).contains(TRANSIENT)) {
                    assertThat(retry.path("JitterStrategy").asText()).as(e.getKey() + " transient jitter")
                            .isEqualTo("FULL");
                    // 8 attempts: a phase of ~100 calls at a 20 % fault rate fails an attempt ~3 % of the time
                    assertThat(retry.path("MaxAttempts").asInt()).as(e.getKey() + " transient attempts")
                            .isGreaterThanOrEqualTo(6);
                    assertThat(retry.path("BackoffRate").asDouble()).as(e.getKey() + " backoff").isGreaterThan(1);
                    transientRetry = true;
                }
            }
            assertThat(transientRetry).as(e.getKey() + " retries " + TRANSIENT).isTrue();
        }
        assertThat(tasks).as("lambda:invoke tasks").isGreaterThanOrEqualTo(functions().size());
    }

    @Test
    void tasksAndMaps_whenOutsideTheCompensatePath_catchStatesAllIntoCompensate() {
        JsonNode states = asl.path("States");
        assertThat(states.has(COMPENSATE)).isTrue();
        COMPENSATE_PATH.forEach(name -> assertThat(states.has(name)).as("state " + name).isTrue());
        List<String> uncaught = new ArrayList<>();
        states.properties().forEach(e -> {
            String type = e.getValue().path("Type").asText();
            if (!Set.of("Task", "Map", "Parallel").contains(type) || COMPENSATE_PATH.contains(e.getKey())) {
                return;
            }
            JsonNode catchAll = null;
            for (JsonNode rule : e.getValue().path("Catch")) {
                if (texts(rule.path("ErrorEquals")).contains("States.ALL")) {
                    catchAll = rule;
                }
            }
            if (catchAll == null) {
                uncaught.add(e.getKey());
                return;
            }
            assertThat(catchAll.path("ResultPath").asText()).as(e.getKey() + " keeps the payload").isEqualTo("$.error");
            // a Failed<Phase> Pass records the phase, then compensation
            String next = catchAll.path("Next").asText();
            int hops = 0;
            while (!COMPENSATE.equals(next) && hops++ < 5) {
                JsonNode via = states.path(next);
                assertThat(via.path("Type").asText()).as(e.getKey() + " catch goes through Pass states only, not " + next)
                        .isEqualTo("Pass");
                next = via.path("Next").asText();
            }
            assertThat(next).as(e.getKey() + " catch-all leads to " + COMPENSATE).isEqualTo(COMPENSATE);
        });
        assertThat(uncaught).as("Tasks/Maps without a Catch on States.ALL").isEmpty();
    }

    @Test
    void compensatePath_whenItFails_stillEndsInTheFailState() {
        JsonNode states = asl.path("States");
        JsonNode compensate = states.path(COMPENSATE);
        assertThat(compensate.path("Next").asText()).isEqualTo("NotifyFailure");
        assertThat(compensate.path("Catch").get(0).path("ResultPath").asText())
                .as("a compensation failure must not hide the original error").isNotEqualTo("$.error");
        String end = states.path("NotifyFailure").path("Next").asText();
        assertThat(states.path(end).path("Type").asText()).isEqualTo("Fail");
        assertThat(states.path(end).path("ErrorPath").asText()).isEqualTo("$.error.Error");
        // a compensation that cannot finish never ends like one that did: its own Fail names it
        String notify = compensate.path("Catch").get(0).path("Next").asText();
        assertThat(notify).isEqualTo("NotifyCleanupIncomplete");
        assertThat(states.path(notify).path("Parameters").path("Message.$").asText()).contains("$.compensationError");
        String incomplete = states.path(notify).path("Next").asText();
        assertThat(states.path(incomplete).path("Type").asText()).isEqualTo("Fail");
        assertThat(states.path(incomplete).path("Error").asText())
                .isEqualTo("io.palisade.common.errors.CleanupIncompleteException");
        assertThat(states.path(incomplete).path("CausePath").asText()).isEqualTo("$.compensationError.Cause");
    }

    // ------------------------------------------------------------------ template functions

    @Test
    void functions_whenDeclared_haveAHandlerClassThatIsARequestStreamHandler() {
        assertThat(functions()).isNotEmpty();
        functions().forEach((id, function) -> {
            String handler = function.path("Properties").path("Handler").asText();
            assertThat(handler).as(id + " Handler").endsWith("::handleRequest");
            Class<?> type = load(handlerClassOf(function));
            assertThat(type).as(id + ": handler class " + handlerClassOf(function) + " on the classpath").isNotNull();
            assertThat(RequestStreamHandler.class.isAssignableFrom(type)).as(id + " is a RequestStreamHandler")
                    .isTrue();
            assertThat(Modifier.isAbstract(type.getModifiers())).as(id + " handler is concrete").isFalse();
            assertThat(Stream.of(type.getConstructors()).anyMatch(c -> c.getParameterCount() == 0))
                    .as(id + " handler has a public no-arg constructor").isTrue();
        });
    }

    @Test
    void functions_whenBuiltByMake_haveABuildTargetInTheirCodeUriMakefile() throws IOException {
        for (var e : functions().entrySet()) {
            JsonNode function = e.getValue();
            assertThat(function.at("/Metadata/BuildMethod").asText()).as(e.getKey() + " BuildMethod")
                    .isEqualTo("makefile");
            Path makefile = Repository.file(function.path("Properties").path("CodeUri").asText()).resolve("Makefile");
            assertThat(makefile).as(e.getKey() + " Makefile").isRegularFile();
            assertThat(Pattern.compile("(?m)^build-" + Pattern.quote(e.getKey()) + "\\s*:")
                    .matcher(Files.readString(makefile)).find())
                    .as(makefile + " has target build-" + e.getKey()).isTrue();
        }
    }

    @Test
    void handlerClasses_whenInTheFunctionModules_areAllReferencedByTheTemplate() throws IOException {
        Set<String> referenced = new TreeSet<>();
        functions().values().forEach(f -> referenced.add(handlerClassOf(f)));
        Set<String> handlers = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Repository.file("functions"))) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith("Handler.java"))
                    .filter(f -> f.toString().contains("/src/main/java/")).toList()) {
                String relative = p.toString().substring(p.toString().indexOf("/src/main/java/") + 15);
                String name = relative.substring(0, relative.length() - ".java".length()).replace('/', '.');
                Class<?> type = load(name);
                assertThat(type).as(name + " on the classpath (add its module to structure-tests)").isNotNull();
                if (RequestStreamHandler.class.isAssignableFrom(type) && !Modifier.isAbstract(type.getModifiers())) {
                    handlers.add(name);
                }
            }
        }
        assertThat(handlers).isNotEmpty();
        assertThat(referenced).as("handlers referenced by template.yaml").containsAll(handlers);
    }

    // ------------------------------------------------------------------ outputs, schedule

    @Test
    void outputs_whenDeployed_exposeTheStateMachineAndTheRunTopic() {
        JsonNode outputs = template.path("Outputs");
        assertThat(outputs.at("/StateMachineArn/Value/Ref").asText()).isEqualTo("BootstrapStateMachine");
        assertThat(outputs.at("/RunTopicArn/Value/Ref").asText()).isEqualTo("RunTopic");
        assertThat(template.at("/Resources/RunTopic/Type").asText()).isEqualTo("AWS::SNS::Topic");
    }

    @Test
    void driftSchedule_whenDeployed_startsADriftRunAndIsDisabledByDefault() {
        List<JsonNode> schedules = new ArrayList<>();
        stateMachineResource().path("Properties").path("Events").forEach(event -> {
            if ("Schedule".equals(event.path("Type").asText())) {
                schedules.add(event.path("Properties"));
            }
        });
        assertThat(schedules).hasSize(1);
        JsonNode schedule = schedules.get(0);
        // !Sub '{"mode": "drift", "repair": ${DriftRepair}}': repairs only when the parameter says so, and by default not
        String input = schedule.path("Input").path("Fn::Sub").asText();
        assertThat(input).as("the schedule's input is a !Sub of DriftRepair").isNotEmpty();
        JsonNode repairParameter = template.path("Parameters").path("DriftRepair");
        assertThat(repairParameter.path("Default").asText()).isEqualTo("false");
        for (String repair : List.of("true", "false")) {
            assertThat(Json.read(input.replace("${DriftRepair}", repair), JsonNode.class))
                    .isEqualTo(Json.MAPPER.createObjectNode().put("mode", "drift").put("repair",
                            Boolean.parseBoolean(repair)));
        }

        JsonNode state = schedule.path("State");
        String defaultState = state.has("Ref")
                ? template.path("Parameters").path(state.path("Ref").asText()).path("Default").asText()
                : state.asText();
        assertThat(defaultState).isEqualTo("DISABLED");
    }

    @Test
    void template_whenParsed_readsShortFormTagsAsTheirLongForm() {
        JsonNode secretReaders = template.at("/Resources/TempAdminFunction/Properties/Environment/Variables"
                + "/PALISADE_SECRET_READERS/Fn::Join");
        assertThat(secretReaders.get(0).asText()).isEqualTo(",");
        assertThat(secretReaders.get(1).get(0).path("Fn::GetAtt").asText()).isEqualTo("ApplyAccountsFunctionRole.Arn");
        assertThat(template.at("/Globals/Function/Runtime/Ref").asText()).isEqualTo("LambdaRuntime");
        assertThat(template.at("/Conditions/HasCaBundle/Fn::Not").isArray()).isTrue();
    }

    @Test
    void functions_onJava21_useSnapStartThroughTheAliasAndLocallyDoNot() {
        JsonNode globals = template.at("/Globals/Function");
        // only the java runtimes have SnapStart: provided.al2023 (the local emulator) gets None
        assertThat(template.at("/Conditions/IsJavaRuntime/Fn::Equals/0/Ref").asText()).isEqualTo("LambdaRuntime");
        assertThat(template.at("/Conditions/IsJavaRuntime/Fn::Equals/1").asText()).isEqualTo("java21");
        JsonNode applyOn = globals.at("/SnapStart/ApplyOn/Fn::If");
        assertThat(applyOn.get(0).asText()).isEqualTo("IsJavaRuntime");
        assertThat(applyOn.get(1).asText()).isEqualTo("PublishedVersions");
        assertThat(applyOn.get(2).asText()).isEqualTo("None");
        // a snapshot exists per published version only: callers must use the alias, never $LATEST
        assertThat(globals.path("AutoPublishAlias").asText()).isNotBlank();
        functions().forEach((name, function) -> {
            assertThat(function.at("/Properties/SnapStart").isMissingNode()).as(name + " keeps the global SnapStart").isTrue();
            assertThat(function.at("/Properties/AutoPublishAlias").isMissingNode()).as(name + " keeps the alias").isTrue();
        });
    }
}
