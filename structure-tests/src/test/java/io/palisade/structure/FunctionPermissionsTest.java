package io.palisade.structure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.structure.OwnSdkCalls.Call;
import io.palisade.structure.OwnSdkCalls.Origin;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every AWS operation a phase calls with its own credentials (its execution role) is allowed by
 * that function's {@code Policies} in template.yaml (issue #7). Actions only: resources and
 * conditions are left to the enforced IAM of the local harness, which checks them at run time.
 *
 * <p>The calls are found in the code, not listed here: {@link OwnSdkCalls} reads the function's
 * module and functions/common with javac, takes the classes its handler reaches, and follows each
 * client back to how {@code Clients} built it. Calls made through a role assumed in a member
 * account (OrganizationAccountAccessRole, PalisadeBootstrap as the temp-admin, or the read-only PalisadeAudit) are not the
 * template's business and are left out; a client that may act with either (e.g. IAM "in the
 * management account with the own role, elsewhere through the access role") counts as own. A new
 * call on an own client without its action in the template fails this test.
 */
class FunctionPermissionsTest {
    private static final String FUNCTION = "AWS::Serverless::Function";

    /** IAM service prefix of each SDK client (the package name is not always the prefix). */
    private static final Map<String, String> PREFIXES = Map.ofEntries(
            Map.entry("IamClient", "iam"),
            Map.entry("AccessAnalyzerClient", "access-analyzer"),
            Map.entry("OrganizationsClient", "organizations"),
            Map.entry("SecretsManagerClient", "secretsmanager"),
            Map.entry("SfnClient", "states"),
            Map.entry("SnsClient", "sns"),
            Map.entry("StsClient", "sts"),
            Map.entry("S3Client", "s3"),
            Map.entry("S3ControlClient", "s3control"),
            Map.entry("KmsClient", "kms"),
            Map.entry("CloudTrailClient", "cloudtrail"),
            Map.entry("ConfigClient", "config"),
            Map.entry("CloudWatchLogsClient", "logs"),
            Map.entry("CloudWatchClient", "cloudwatch"),
            Map.entry("EventBridgeClient", "events"),
            Map.entry("SecurityHubClient", "securityhub"));

    /**
     * S3 authorizes most operations by an action of another name (Service Authorization Reference,
     * "Actions defined by Amazon S3", and each operation's Permissions section). An S3 operation
     * missing here fails the test when it is called with the own role: add it.
     */
    private static final Map<String, String> S3_ACTIONS = Map.ofEntries(
            Map.entry("createBucket", "s3:CreateBucket"),
            Map.entry("deleteBucket", "s3:DeleteBucket"),
            Map.entry("headBucket", "s3:ListBucket"),
            Map.entry("listObjects", "s3:ListBucket"),
            Map.entry("listObjectsV2", "s3:ListBucket"),
            Map.entry("listBuckets", "s3:ListAllMyBuckets"),
            Map.entry("getBucketLocation", "s3:GetBucketLocation"),
            Map.entry("getObject", "s3:GetObject"),
            Map.entry("getObjectAsBytes", "s3:GetObject"),
            Map.entry("headObject", "s3:GetObject"),
            Map.entry("putObject", "s3:PutObject"),
            Map.entry("deleteObject", "s3:DeleteObject"),
            Map.entry("getBucketPolicy", "s3:GetBucketPolicy"),
            Map.entry("putBucketPolicy", "s3:PutBucketPolicy"),
            Map.entry("deleteBucketPolicy", "s3:DeleteBucketPolicy"),
            Map.entry("getPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
            Map.entry("putPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
            Map.entry("deletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
            Map.entry("getBucketEncryption", "s3:GetEncryptionConfiguration"),
            Map.entry("putBucketEncryption", "s3:PutEncryptionConfiguration"),
            Map.entry("getBucketVersioning", "s3:GetBucketVersioning"),
            Map.entry("putBucketVersioning", "s3:PutBucketVersioning"),
            Map.entry("getBucketLogging", "s3:GetBucketLogging"),
            Map.entry("putBucketLogging", "s3:PutBucketLogging"),
            Map.entry("getBucketOwnershipControls", "s3:GetBucketOwnershipControls"),
            Map.entry("putBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
            Map.entry("getBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
            Map.entry("putBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"),
            Map.entry("getBucketTagging", "s3:GetBucketTagging"),
            Map.entry("putBucketTagging", "s3:PutBucketTagging"));

    /**
     * S3 Control's operations are authorized by {@code s3:} actions of other names (the API
     * reference's "users must have the s3:PutAccountPublicAccessBlock permission"); a name shared
     * with S3 (GetPublicAccessBlock) means the account's setting here, the bucket's there.
     */
    private static final Map<String, String> S3_CONTROL_ACTIONS = Map.of(
            "getPublicAccessBlock", "s3:GetAccountPublicAccessBlock",
            "putPublicAccessBlock", "s3:PutAccountPublicAccessBlock",
            "deletePublicAccessBlock", "s3:PutAccountPublicAccessBlock");

    /** Operations that need no permission at all. */
    private static final Set<String> FREE = Set.of("sts:GetCallerIdentity");

    /**
     * Actions an operation needs besides its own (the "dependent actions" of the Service
     * Authorization Reference, and the tag action a create with tags needs). Only these are
     * checked; add a row when a phase starts to call another such operation with its own role.
     */
    private static final Map<String, List<String>> DEPENDENT = Map.of(
            "organizations:CreateOrganization", List.of("iam:CreateServiceLinkedRole"),
            "organizations:CreateAccount", List.of("iam:CreateServiceLinkedRole"));
    private static final Map<String, String> TAGGING = Map.of(
            "organizations:CreateAccount", "organizations:TagResource",
            "organizations:CreatePolicy", "organizations:TagResource",
            "cloudtrail:CreateTrail", "cloudtrail:AddTags",
            "secretsmanager:CreateSecret", "secretsmanager:TagResource",
            "iam:CreateRole", "iam:TagRole",
            "iam:CreateUser", "iam:TagUser",
            "iam:CreatePolicy", "iam:TagPolicy",
            "kms:CreateKey", "kms:TagResource",
            "sns:CreateTopic", "sns:TagResource",
            "logs:CreateLogGroup", "logs:TagResource");

    /** Operations that hand a role to the service when the request sets this member: iam:PassRole. */
    private static final Map<String, String> PASSES_A_ROLE = Map.of(
            "cloudtrail:CreateTrail", "cloudWatchLogsRoleArn",
            "cloudtrail:UpdateTrail", "cloudWatchLogsRoleArn",
            "config:PutConfigurationRecorder", "roleARN",
            "events:PutRule", "roleArn");

    /** The actions of each SAM policy template template.yaml uses (samtranslator's policy_templates.json). */
    private static final Map<String, List<String>> SAM_POLICY_TEMPLATES = Map.of(
            "SNSPublishMessagePolicy", List.of("sns:Publish"),
            "LambdaInvokePolicy", List.of("lambda:InvokeFunction"));

    /**
     * Where the code decides at run time what the analysis cannot see: an expression (by
     * "TopLevelClass.method: its source") and whose credentials it really carries. Each must
     * still be in the code (a stale one fails the test), so a change there is looked at again.
     */
    private static final Map<String, Origin> EXCEPTIONS = Map.of(
            // iamIn/keyMakerIn(account) use the own role when the account is the management
            // account, the access role elsewhere. The temp-admin is made in the identity account,
            // which is never the management account: identityAccount must be a configured
            // account's key, and ConfigValidator reserves the key "management".
            "TempAdmin.create: iamIn(identity)", Origin.OTHER,
            "TempAdmin.create: keyMakerIn(identity)", Origin.OTHER,
            // its targets are create's "members": every target but the management account
            "TempAdmin.ensureBootstrapRole: iamIn(target.accountId())", Origin.OTHER);

    /**
     * Conditions ("TopLevelClass.method: condition") whose branch (true: then / ?-true; false:
     * else / ?-false) never acts in the management account: a client used there is not the own
     * role's even when the same variable is in the management account's task. Each must still be
     * in the code.
     */
    private static final Map<String, Boolean> GUARDS = Map.of(
            // the identity account is a configured account; "management" is a reserved key
            "ApplyAccounts.planned: task.isIdentity()", true,
            // wantedAlias = task.isManagement() ? null : config.aliasOf(key)
            "ApplyAccounts.planned: wantedAlias == null", false,
            // the audit role is planned in member accounts only: the management account has none
            "ApplyAccounts.planned: !task.isManagement()", true);

    /** A granted action that no own call needs, and why it is right all the same (function|action). */
    private static final Map<String, String> NEEDED_WITHOUT_A_CALL = Map.of();

    private static JsonNode template;
    private static final Map<String, OwnSdkCalls> MODULES = new HashMap<>();

    @BeforeAll
    static void load() {
        template = Repository.template();
    }

    /** Each function: its CodeUri module and handler class. */
    private static Map<String, String[]> functions() {
        Map<String, String[]> functions = new TreeMap<>();
        template.path("Resources").properties().forEach(e -> {
            if (FUNCTION.equals(e.getValue().path("Type").asText())) {
                JsonNode p = e.getValue().path("Properties");
                String codeUri = p.path("CodeUri").asText();
                assertThat(codeUri).as("%s CodeUri", e.getKey()).startsWith("functions/");
                String handler = p.path("Handler").asText().replaceAll("::.*$", "");
                functions.put(e.getKey(), new String[] {codeUri.substring("functions/".length()), handler});
            }
        });
        assertThat(functions).as("functions in template.yaml").isNotEmpty();
        return functions;
    }

    private static List<Call> callsOf(String module, String handler) {
        return MODULES.computeIfAbsent(module, m -> OwnSdkCalls.of(m, EXCEPTIONS, GUARDS)).callsOf(handler);
    }

    @Test
    void everyOwnCallIsAllowedByTheFunctionsRole() {
        List<String> failures = new ArrayList<>();
        StringBuilder summary = new StringBuilder("SDK calls with each function's own role:\n");
        for (var f : functions().entrySet()) {
            String function = f.getKey();
            List<JsonNode> statements = statements(function);
            Map<String, List<String>> own = new TreeMap<>();
            for (Call call : callsOf(f.getValue()[0], f.getValue()[1])) {
                Set<Origin> origins = call.origins();
                if (origins.contains(Origin.UNKNOWN)) {
                    failures.add(function + ": cannot tell whose credentials " + call.operation() + " at "
                            + call.where() + " uses (build the client through Clients, or add to EXCEPTIONS)");
                    continue;
                }
                if (!origins.contains(Origin.OWN)) {
                    continue;
                }
                List<String> actions = actions(call, failures, function);
                for (String action : actions) {
                    own.computeIfAbsent(action, k -> new ArrayList<>()).add(call.where());
                    if (!allowed(statements, action)) {
                        failures.add(function + ": " + action + " called at " + call.where()
                                + " not allowed by its role");
                    }
                }
            }
            own.forEach((action, where) -> summary.append("  ").append(function).append(": ").append(action)
                    .append(" (").append(String.join(", ", new TreeSet<>(where))).append(")\n"));
        }
        System.out.println(summary);
        Set<String> used = new TreeSet<>();
        MODULES.values().forEach(m -> used.addAll(m.overridesUsed));
        EXCEPTIONS.keySet().stream().filter(k -> !used.contains(k))
                .forEach(k -> failures.add("EXCEPTIONS names \"" + k + "\", which is no longer in the code"));
        Set<String> guarded = new TreeSet<>();
        MODULES.values().forEach(m -> guarded.addAll(m.guardsUsed));
        GUARDS.keySet().stream().filter(k -> !guarded.contains(k))
                .forEach(k -> failures.add("GUARDS names \"" + k + "\", which no longer guards a call in the code"));
        assertThat(failures).as("SDK calls with the function's own role that template.yaml does not allow")
                .isEmpty();
    }

    /**
     * The reverse: an action a function's role grants that none of its own calls needs. A
     * warning (printed), not a failure: a grant can be needed by something this test does not
     * see (a service acting for the caller), and a removal is a decision for whoever owns it.
     */
    @Test
    void grantsNoActionItNeverCalls() {
        List<String> unused = new ArrayList<>();
        for (var f : functions().entrySet()) {
            String function = f.getKey();
            Set<String> needed = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            for (Call call : callsOf(f.getValue()[0], f.getValue()[1])) {
                if (call.origins().contains(Origin.OWN)) {
                    needed.addAll(actions(call, new ArrayList<>(), function));
                }
            }
            Set<String> granted = new TreeSet<>();
            for (JsonNode s : statements(function)) {
                if ("Allow".equals(s.path("Effect").asText())) {
                    strings(s.path("Action")).forEach(granted::add);
                }
            }
            for (String action : granted) {
                Pattern pattern = wildcard(action);
                if (needed.stream().noneMatch(n -> pattern.matcher(n).matches())
                        && !NEEDED_WITHOUT_A_CALL.containsKey(function + "|" + action)) {
                    unused.add(function + ": " + action);
                }
            }
        }
        System.out.println("Granted but never called with the own role (warning):\n  " + String.join("\n  ", unused));
    }

    /** The IAM actions one call needs: its own and its dependent ones. */
    private static List<String> actions(Call call, List<String> failures, String function) {
        String client = call.clientType().substring(call.clientType().lastIndexOf('.') + 1);
        String prefix = PREFIXES.get(client);
        if (prefix == null) {
            failures.add(function + ": no IAM prefix known for " + client + " (" + call.where() + "): add it to PREFIXES");
            return List.of();
        }
        String operation = call.operation().replaceFirst("Paginator$", "");
        String action;
        if (prefix.equals("s3control")) {
            action = S3_CONTROL_ACTIONS.get(operation);
            if (action == null) {
                failures.add(function + ": no IAM action known for S3 Control " + operation + " (" + call.where()
                        + "): add it to S3_CONTROL_ACTIONS");
                return List.of();
            }
        } else if (prefix.equals("s3")) {
            action = S3_ACTIONS.get(operation);
            if (action == null) {
                failures.add(function + ": no IAM action known for S3 " + operation + " (" + call.where()
                        + "): add it to S3_ACTIONS");
                return List.of();
            }
        } else {
            action = prefix + ":" + Character.toUpperCase(operation.charAt(0)) + operation.substring(1);
        }
        if (FREE.contains(action)) {
            return List.of();
        }
        List<String> actions = new ArrayList<>(List.of(action));
        actions.addAll(DEPENDENT.getOrDefault(action, List.of()));
        boolean tagged = call.requestMembers().stream().anyMatch(Set.of("tags", "tagsList", "tagList")::contains);
        if (tagged && TAGGING.containsKey(action)) {
            actions.add(TAGGING.get(action));
        }
        String passed = PASSES_A_ROLE.get(action);
        if (passed != null && call.requestMembers().contains(passed)) {
            actions.add("iam:PassRole");
        }
        return actions;
    }

    /** The statements of a function's Policies: inline documents and the SAM policy templates it uses. */
    private static List<JsonNode> statements(String function) {
        JsonNode policies = template.path("Resources").path(function).path("Properties").path("Policies");
        assertThat(template.path("Resources").path(function).path("Properties").has("Role"))
                .as("%s names a Role: this test reads Policies only", function).isFalse();
        List<JsonNode> items = new ArrayList<>();
        if (policies.isArray()) {
            policies.forEach(items::add);
        } else if (!policies.isMissingNode()) {
            items.add(policies);
        }
        List<JsonNode> statements = new ArrayList<>();
        for (JsonNode item : items) {
            if (item.isTextual()) {
                throw new AssertionError(function + " uses the managed policy " + item.asText()
                        + ": this test cannot read it; list its actions inline or extend the test");
            }
            if (item.has("Statement")) {
                JsonNode s = item.get("Statement");
                if (s.isArray()) {
                    s.forEach(statements::add);
                } else {
                    statements.add(s);
                }
                continue;
            }
            assertThat(item.size()).as("%s: a policy item is a document or one SAM policy template: %s", function, item)
                    .isEqualTo(1);
            String name = item.fieldNames().next();
            List<String> actions = SAM_POLICY_TEMPLATES.get(name);
            if (actions == null) {
                throw new AssertionError(function + " uses the SAM policy template " + name
                        + ": add its actions to SAM_POLICY_TEMPLATES");
            }
            statements.add(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                    .put("Effect", "Allow")
                    .set("Action", io.palisade.common.Json.MAPPER.valueToTree(actions)));
        }
        return statements;
    }

    /** Whether an Allow statement's Action (or NotAction) covers the action; IAM actions are case-insensitive. */
    static boolean allowed(List<JsonNode> statements, String action) {
        for (JsonNode s : statements) {
            if (!"Allow".equals(s.path("Effect").asText())) {
                continue;
            }
            if (s.has("Action") && strings(s.get("Action")).stream().anyMatch(a -> wildcard(a).matcher(action).matches())) {
                return true;
            }
            if (s.has("NotAction") && strings(s.get("NotAction")).stream()
                    .noneMatch(a -> wildcard(a).matcher(action).matches())) {
                return true;
            }
        }
        return false;
    }

    private static List<String> strings(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> values.add(n.asText()));
        } else if (node.isTextual()) {
            values.add(node.asText());
        }
        return values;
    }

    private static final Map<String, Pattern> PATTERNS = new LinkedHashMap<>();

    private static Pattern wildcard(String action) {
        return PATTERNS.computeIfAbsent(action, a -> Pattern.compile(
                ("\\Q" + a + "\\E").replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q"),
                Pattern.CASE_INSENSITIVE));
    }

    @Test
    void wildcardsMatchAsIamDoes() {
        JsonNode doc = io.palisade.common.Json.read(
                "[{\"Effect\":\"Allow\",\"Action\":[\"iam:*\",\"s3:Get?bject\"]},"
                        + "{\"Effect\":\"Deny\",\"Action\":\"sns:Publish\"}]", JsonNode.class);
        List<JsonNode> statements = new ArrayList<>();
        doc.forEach(statements::add);
        assertThat(allowed(statements, "iam:CreateRole")).isTrue();
        assertThat(allowed(statements, "IAM:createrole")).isTrue();
        assertThat(allowed(statements, "s3:GetObject")).isTrue();
        assertThat(allowed(statements, "s3:GetObjectAcl")).isFalse();
        assertThat(allowed(statements, "sns:Publish")).isFalse();
        assertThat(allowed(statements, "iamx:CreateRole")).isFalse();
    }
}
