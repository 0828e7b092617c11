package io.palisade.structure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.palisade.common.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The human init principal (config/init-policy.json) deploys only through the CloudFormation
 * service role of config/deploy-role.yaml, and that role can create, update, delete and roll back
 * every resource type the palisade stack has after the SAM transform: it grants each
 * create/read/update/delete handler permission listed in config/deploy-role-permissions.json
 * (from the CloudFormation registry schemas), and every policy fits IAM's size limits.
 */
class DeployRoleTest {
    private static final String DEPLOY_ROLE_LOGICAL_ID = "DeployRole";
    private static final List<String> HANDLERS = List.of("create", "read", "update", "delete");
    /** IAM quotas: customer managed policy (characters without whitespace), role trust policy, policies per role. */
    private static final int MANAGED_POLICY_MAX_CHARS = 6_144;
    private static final int TRUST_POLICY_MAX_CHARS = 2_048;
    private static final int MANAGED_POLICIES_PER_ROLE = 10;
    /** The longest value each !Sub / !Ref in deploy-role.yaml can take, for measuring its policies. */
    private static final Map<String, String> LONGEST = Map.of(
            "AWS::Partition", "aws-iso-b",
            "AWS::Region", "ap-southeast-7",
            "AWS::AccountId", "123456789012",
            "StackName", "s".repeat(20),
            "ArtifactBucket", "b".repeat(63),
            DEPLOY_ROLE_LOGICAL_ID, "cfn-" + "s".repeat(20) + "-deploy");
    /**
     * What the SAM transform makes of each type template.yaml uses, and of each event source by the
     * type it is on (checked by translating template.yaml with samtranslator 1.115). A type or event
     * missing here fails the test: add it from the transform's output.
     */
    private static final Map<String, List<String>> SAM_TYPES = Map.of(
            // AutoPublishAlias (Globals) adds a version and its alias to every function
            "AWS::Serverless::Function", List.of("AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::Version",
                    "AWS::Lambda::Alias"),
            "AWS::Serverless::StateMachine", List.of("AWS::StepFunctions::StateMachine", "AWS::IAM::Role"));
    private static final Map<String, List<String>> SAM_EVENTS = Map.of(
            "AWS::Serverless::Function/EventBridgeRule", List.of("AWS::Events::Rule", "AWS::Lambda::Permission"),
            "AWS::Serverless::Function/Schedule", List.of("AWS::Events::Rule", "AWS::Lambda::Permission"),
            "AWS::Serverless::StateMachine/Schedule", List.of("AWS::Events::Rule", "AWS::IAM::Role"),
            "AWS::Serverless::StateMachine/EventBridgeRule", List.of("AWS::Events::Rule", "AWS::IAM::Role"));
    /** The services the stack's roles are passed to: functions, the state machine, the schedule's rule. */
    private static final Set<String> PASSED_TO = Set.of("lambda.amazonaws.com", "states.amazonaws.com",
            "events.amazonaws.com");
    private static final Pattern SUB = Pattern.compile("\\$\\{([^}!]+)}");

    /** One API call and the resource it is made on. */
    private record Call(String action, String resource) {}

    private static JsonNode template;
    private static JsonNode deployRoleTemplate;
    private static JsonNode initPolicy;
    private static JsonNode handlerTable;
    private static String defaultStackName;

    @BeforeAll
    static void read() {
        template = Repository.template();
        deployRoleTemplate = Repository.cloudFormation("config/deploy-role.yaml");
        initPolicy = Json.read(Repository.read("config/init-policy.json"), JsonNode.class);
        handlerTable = Json.read(Repository.read("config/deploy-role-permissions.json"), JsonNode.class);
        defaultStackName = deployRoleTemplate.at("/Parameters/StackName/Default").asText();
    }

    // ------------------------------------------------------------------ helpers

    private static List<String> texts(JsonNode stringOrArray) {
        List<String> out = new ArrayList<>();
        if (stringOrArray.isArray()) {
            stringOrArray.forEach(n -> out.add(n.asText()));
        } else if (!stringOrArray.isMissingNode() && !stringOrArray.isNull()) {
            out.add(stringOrArray.asText());
        }
        return out;
    }

    /** IAM's wildcard match ({@code *}, {@code ?}); actions match regardless of case. */
    private static boolean matches(String pattern, String value, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0).matcher(value).matches();
    }

    /** A deploy-role.yaml value with every !Sub and !Ref replaced by its longest value. */
    private static JsonNode resolve(JsonNode node) {
        if (node.isObject() && node.has("Fn::Sub")) {
            Matcher m = SUB.matcher(node.get("Fn::Sub").asText());
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                assertThat(LONGEST).as("a value for ${%s}", m.group(1)).containsKey(m.group(1));
                m.appendReplacement(out, Matcher.quoteReplacement(LONGEST.get(m.group(1))));
            }
            m.appendTail(out);
            return TextNode.valueOf(out.toString());
        }
        if (node.isObject() && node.has("Ref")) {
            assertThat(LONGEST).as("a value for Ref %s", node.get("Ref").asText()).containsKey(node.get("Ref").asText());
            return TextNode.valueOf(LONGEST.get(node.get("Ref").asText()));
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            node.properties().forEach(e -> out.set(e.getKey(), resolve(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> out.add(resolve(n)));
            return out;
        }
        return node;
    }

    /** The documents of the managed policies attached to the deploy role, resolved, by logical id. */
    private static Map<String, JsonNode> deployRolePolicies() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        deployRoleTemplate.path("Resources").properties().forEach(e -> {
            JsonNode resource = e.getValue();
            if ("AWS::IAM::ManagedPolicy".equals(resource.path("Type").asText())
                    && resource.at("/Properties/Roles").findValuesAsText("Ref").contains(DEPLOY_ROLE_LOGICAL_ID)) {
                out.put(e.getKey(), resolve(resource.at("/Properties/PolicyDocument")));
            }
        });
        return out;
    }

    private static List<JsonNode> statements(JsonNode document) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode statement = document.path("Statement");
        if (statement.isArray()) {
            statement.forEach(out::add);
        } else {
            out.add(statement);
        }
        return out;
    }

    private static List<JsonNode> allowStatements(JsonNode document) {
        return statements(document).stream().filter(s -> "Allow".equals(s.path("Effect").asText())).toList();
    }

    private static List<JsonNode> deployRoleAllowStatements() {
        List<JsonNode> out = new ArrayList<>();
        deployRolePolicies().values().forEach(d -> out.addAll(allowStatements(d)));
        return out;
    }

    private static boolean grants(List<JsonNode> statements, String action) {
        return statements.stream()
                .anyMatch(s -> texts(s.path("Action")).stream().anyMatch(a -> matches(a, action, true)));
    }

    private static List<JsonNode> statementsWith(List<JsonNode> statements, String action) {
        return statements.stream()
                .filter(s -> texts(s.path("Action")).stream().anyMatch(a -> matches(a, action, true)))
                .toList();
    }

    /** The resource types the stack has after the SAM transform, each with what it comes from. */
    private static Map<String, Set<String>> deployedResourceTypes() {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        template.path("Resources").properties().forEach(e -> {
            String type = e.getValue().path("Type").asText();
            List<String> made = type.startsWith("AWS::Serverless::") ? SAM_TYPES.get(type) : List.of(type);
            assertThat(made).as("what the SAM transform makes of %s (%s)", type, e.getKey()).isNotNull();
            made.forEach(t -> out.computeIfAbsent(t, k -> new TreeSet<>()).add(e.getKey()));
            e.getValue().at("/Properties/Events").properties().forEach(event -> {
                String key = type + "/" + event.getValue().path("Type").asText();
                List<String> fromEvent = SAM_EVENTS.get(key);
                assertThat(fromEvent).as("what the SAM transform makes of event %s (%s.%s)", key, e.getKey(),
                        event.getKey()).isNotNull();
                fromEvent.forEach(t -> out.computeIfAbsent(t, k -> new TreeSet<>()).add(e.getKey() + "." + event.getKey()));
            });
        });
        return out;
    }

    private static int compactLength(JsonNode document) {
        try {
            return new ObjectMapper().writeValueAsString(document).length();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String deployRoleName() {
        return deployRoleTemplate.at("/Resources/" + DEPLOY_ROLE_LOGICAL_ID + "/Properties/RoleName/Fn::Sub").asText()
                .replace("${StackName}", defaultStackName);
    }

    // ------------------------------------------------------------------ the init principal

    @Test
    void initPolicy_whenItNamesIam_onlyPassesTheDeployRoleToCloudFormation() {
        List<JsonNode> statements = statements(initPolicy);
        SoftAssertions soft = new SoftAssertions();
        for (JsonNode s : statements) {
            soft.assertThat(s.has("NotAction") || s.has("NotResource")).as("NotAction/NotResource in %s", s).isFalse();
            for (String action : texts(s.path("Action"))) {
                soft.assertThat(action).as("wildcard action in %s", s.path("Sid")).doesNotContain("*", "?");
                if (action.toLowerCase().startsWith("iam:")) {
                    soft.assertThat(action).as("the only IAM action (%s)", s.path("Sid")).isEqualTo("iam:PassRole");
                }
            }
        }
        List<JsonNode> passRole = statementsWith(allowStatements(initPolicy), "iam:PassRole");
        soft.assertThat(passRole).as("statements granting iam:PassRole").hasSize(1);
        for (JsonNode s : passRole) {
            soft.assertThat(s.path("Condition").size()).as("condition operators of %s", s.path("Sid")).isEqualTo(1);
            soft.assertThat(texts(s.at("/Condition/StringEquals/iam:PassedToService")))
                    .as("iam:PassedToService of %s", s.path("Sid")).containsExactly("cloudformation.amazonaws.com");
            soft.assertThat(texts(s.path("Resource"))).as("roles %s may pass", s.path("Sid"))
                    .containsExactly("arn:aws:iam::*:role/" + deployRoleName());
        }
        soft.assertAll();
    }

    @Test
    void initPolicy_whenListed_cannotChangeTheStacksResourcesWithoutCloudFormation() {
        Set<String> actions = new TreeSet<>();
        allowStatements(initPolicy).forEach(s -> actions.addAll(texts(s.path("Action"))));

        assertThat(actions).as("services the init principal calls")
                .allMatch(a -> a.matches("(cloudformation|s3|states|sns|iam):\\w+"));
        assertThat(actions).filteredOn(a -> a.startsWith("states:")).as("state machine actions")
                .containsExactlyInAnyOrder("states:StartExecution", "states:DescribeExecution",
                        "states:GetExecutionHistory");
        assertThat(actions).filteredOn(a -> a.startsWith("sns:")).as("topic actions")
                .containsExactly("sns:Subscribe");
        assertThat(actions).filteredOn(a -> a.startsWith("s3:")).as("artifact bucket actions")
                .containsExactlyInAnyOrder("s3:PutObject", "s3:GetObject", "s3:ListBucket");
    }

    @Test
    void initPolicy_whenSamDeploysAndRunPyRuns_grantsEachCallOnTheStackAndStateMachine() {
        List<JsonNode> allow = allowStatements(initPolicy);
        String stack = "arn:aws:cloudformation:eu-west-1:111122223333:stack/" + defaultStackName + "/0f1e2d3c";
        List<Call> calls = new ArrayList<>();
        // sam deploy (samcli/lib/deploy/deployer.py), and recovering from a failed deploy
        for (String a : List.of("CreateChangeSet", "DescribeChangeSet", "ExecuteChangeSet", "DescribeStacks",
                "DescribeStackEvents", "GetTemplateSummary", "DeleteStack", "RollbackStack", "ContinueUpdateRollback")) {
            calls.add(new Call("cloudformation:" + a, stack));
        }
        calls.add(new Call("cloudformation:CreateChangeSet",
                "arn:aws:cloudformation:eu-west-1:aws:transform/Serverless-2016-10-31"));
        // sam deploy --s3-bucket <the deploy role stack's bucket>
        String bucket = deployRoleTemplate.at("/Resources/ArtifactBucket/Properties/BucketName/Fn::Sub").asText()
                .replace("${StackName}", defaultStackName).replace("${AWS::AccountId}", "111122223333")
                .replace("${AWS::Region}", "eu-west-1");
        calls.add(new Call("s3:PutObject", "arn:aws:s3:::" + bucket + "/0123abcd.template"));
        calls.add(new Call("s3:GetObject", "arn:aws:s3:::" + bucket + "/0123abcd.template"));
        // scripts/run.py
        calls.add(new Call("cloudformation:DescribeStacks", stack));
        String stateMachine = template.path("Resources").properties().stream()
                .filter(e -> "AWS::Serverless::StateMachine".equals(e.getValue().path("Type").asText()))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
        String execution = "arn:aws:states:eu-west-1:111122223333:execution:" + stateMachine + "-AbC123:run-1";
        calls.add(new Call("states:StartExecution",
                "arn:aws:states:eu-west-1:111122223333:stateMachine:" + stateMachine + "-AbC123"));
        calls.add(new Call("states:DescribeExecution", execution));
        calls.add(new Call("states:GetExecutionHistory", execution));
        // scripts/run.py reads the phases' full reports from the run bucket
        String runBucket = template.at("/Resources/RunBucket/Properties/BucketName/Fn::Sub").asText()
                .replace("${AWS::StackName}", defaultStackName).replace("${AWS::AccountId}", "111122223333")
                .replace("${AWS::Region}", "eu-west-1");
        calls.add(new Call("s3:GetObject", "arn:aws:s3:::" + runBucket + "/runs/run-1/reports/apply-accounts/prod.json"));

        SoftAssertions soft = new SoftAssertions();
        for (Call call : calls) {
            soft.assertThat(statementsWith(allow, call.action()).stream()
                            .anyMatch(s -> texts(s.path("Resource")).stream().anyMatch(r -> matches(r, call.resource(), false))))
                    .as("%s on %s", call.action(), call.resource()).isTrue();
        }
        soft.assertAll();
    }

    // ------------------------------------------------------------------ the service role

    @Test
    void deployRole_forEveryResourceTypeOfTheStack_grantsEachCreateReadUpdateDeleteHandlerPermission() {
        Map<String, Set<String>> types = deployedResourceTypes();
        List<JsonNode> allow = deployRoleAllowStatements();
        JsonNode table = handlerTable.path("resourceTypes");

        assertThat(types).as("resource types after the SAM transform").containsKeys("AWS::Lambda::Function",
                "AWS::IAM::Role", "AWS::StepFunctions::StateMachine", "AWS::Events::Rule", "AWS::SNS::Topic");
        SoftAssertions soft = new SoftAssertions();
        types.forEach((type, from) -> {
            soft.assertThat(table.has(type)).as("a handler table entry for %s (from %s)", type, from).isTrue();
            for (String handler : HANDLERS) {
                soft.assertThat(table.path(type).has(handler)).as("%s %s handler in the table", type, handler).isTrue();
                for (String permission : texts(table.path(type).path(handler))) {
                    soft.assertThat(grants(allow, permission)).as("deploy role grants %s (%s %s handler)", permission,
                            type, handler).isTrue();
                }
            }
        });
        soft.assertAll();
    }

    @Test
    void deployRole_whenItChangesRoles_touchesOnlyTheStacksRolesAndPassesThemOnlyToTheirServices() {
        String stackRoles = "arn:aws-iso-b:iam::123456789012:role/" + LONGEST.get("StackName") + "-*";
        SoftAssertions soft = new SoftAssertions();
        for (JsonNode s : deployRoleAllowStatements()) {
            List<String> iam = texts(s.path("Action")).stream().filter(a -> a.toLowerCase().startsWith("iam:")).toList();
            if (iam.isEmpty()) {
                continue;
            }
            soft.assertThat(iam).as("IAM actions of %s", s.path("Sid")).noneMatch(a -> a.contains("*"));
            soft.assertThat(texts(s.path("Resource"))).as("roles %s applies to", s.path("Sid")).containsExactly(stackRoles);
            if (iam.contains("iam:PassRole")) {
                soft.assertThat(iam).as("PassRole alone in %s", s.path("Sid")).containsExactly("iam:PassRole");
                soft.assertThat(texts(s.at("/Condition/StringEquals/iam:PassedToService")))
                        .as("services %s passes roles to", s.path("Sid")).isNotEmpty().isSubsetOf(PASSED_TO);
            }
            if (iam.contains("iam:AttachRolePolicy")) {
                soft.assertThat(iam).as("AttachRolePolicy alone in %s", s.path("Sid")).containsExactly("iam:AttachRolePolicy");
                soft.assertThat(texts(s.at("/Condition/ArnEquals/iam:PolicyARN"))).as("policies %s may attach", s.path("Sid"))
                        .contains("arn:aws-iso-b:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
            }
        }
        soft.assertThat(matches(stackRoles, "arn:aws-iso-b:iam::123456789012:role/" + LONGEST.get(DEPLOY_ROLE_LOGICAL_ID), false))
                .as("the deploy role is not one of the stack's roles").isFalse();
        soft.assertAll();
    }

    @Test
    void deployRole_whenSamAttachesAwsManagedPolicies_mayAttachExactlyThose() {
        Set<String> attached = new TreeSet<>(Set.of("arn:aws-iso-b:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
        boolean tracing = template.at("/Globals/Function").has("Tracing")
                || !template.path("Resources").findValues("Tracing").isEmpty();
        if (tracing) {
            attached.add("arn:aws-iso-b:iam::aws:policy/AWSXrayWriteOnlyAccess");
        }
        Set<String> allowed = new TreeSet<>();
        statementsWith(deployRoleAllowStatements(), "iam:AttachRolePolicy")
                .forEach(s -> allowed.addAll(texts(s.at("/Condition/ArnEquals/iam:PolicyARN"))));

        assertThat(allowed).containsExactlyInAnyOrderElementsOf(attached);
    }

    @Test
    void deployRoleAndInitPolicy_forEachStateMachine_nameItsGeneratedName() {
        // CloudFormation names a state machine <LogicalId>-<random>, without the stack name
        List<String> stateMachines = template.path("Resources").properties().stream()
                .filter(e -> "AWS::Serverless::StateMachine".equals(e.getValue().path("Type").asText()))
                .map(Map.Entry::getKey).toList();
        Set<String> roleResources = new LinkedHashSet<>();
        statementsWith(deployRoleAllowStatements(), "states:CreateStateMachine")
                .forEach(s -> roleResources.addAll(texts(s.path("Resource"))));
        Set<String> initResources = new LinkedHashSet<>();
        statementsWith(allowStatements(initPolicy), "states:StartExecution")
                .forEach(s -> initResources.addAll(texts(s.path("Resource"))));

        assertThat(stateMachines).isNotEmpty();
        for (String name : stateMachines) {
            assertThat(roleResources).as("deploy role, state machine %s", name)
                    .anyMatch(r -> matches(r, "arn:aws-iso-b:states:ap-southeast-7:123456789012:stateMachine:" + name + "-Ab12", false));
            assertThat(initResources).as("init policy, state machine %s", name)
                    .anyMatch(r -> matches(r, "arn:aws:states:eu-west-1:111122223333:stateMachine:" + name + "-Ab12", false));
        }
    }

    @Test
    void deployRole_trustsOnlyCloudFormationFromItsOwnAccount() {
        JsonNode trust = deployRoleTemplate.at("/Resources/" + DEPLOY_ROLE_LOGICAL_ID + "/Properties/AssumeRolePolicyDocument");
        List<JsonNode> allow = allowStatements(trust);

        assertThat(allow).hasSize(1);
        assertThat(texts(allow.get(0).at("/Principal/Service"))).containsExactly("cloudformation.amazonaws.com");
        assertThat(texts(allow.get(0).path("Action"))).containsExactly("sts:AssumeRole");
        assertThat(allow.get(0).at("/Condition/StringEqualsIfExists/aws:SourceAccount/Ref").asText()).isEqualTo("AWS::AccountId");
    }

    // ------------------------------------------------------------------ sizes

    @Test
    void policies_withTheLongestNames_fitIamSizeLimits() {
        Map<String, JsonNode> policies = deployRolePolicies();
        JsonNode trust = resolve(deployRoleTemplate.at("/Resources/" + DEPLOY_ROLE_LOGICAL_ID
                + "/Properties/AssumeRolePolicyDocument"));

        assertThat(policies).as("managed policies of the deploy role").isNotEmpty()
                .hasSizeLessThanOrEqualTo(MANAGED_POLICIES_PER_ROLE);
        SoftAssertions soft = new SoftAssertions();
        policies.forEach((name, document) -> soft.assertThat(compactLength(document))
                .as("%s, characters without whitespace", name).isLessThanOrEqualTo(MANAGED_POLICY_MAX_CHARS));
        soft.assertThat(compactLength(trust)).as("deploy role trust policy").isLessThanOrEqualTo(TRUST_POLICY_MAX_CHARS);
        soft.assertThat(compactLength(initPolicy)).as("init-policy.json as a managed policy")
                .isLessThanOrEqualTo(MANAGED_POLICY_MAX_CHARS);
        soft.assertAll();
    }
}
