package io.palisade.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.Emulator;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * The local organization enforces IAM as AWS does: every phase acts as a copy of its own
 * template.yaml role (scripts/harness/lambda_identities.py, moto_iam.py). Taking one permission
 * away from one phase's role makes the run fail with AccessDenied, as it would on AWS - the
 * permission is the one the review found missing on AWS (the teardown's DescribeSecret), so this
 * is the defect that, unenforced, passed every local run.
 */
class IamEnforcementE2EIT {
    private static final String DROPPED = "secretsmanager:DescribeSecret";

    private static Workflow workflow;
    private static Clients clients;
    private static IamClient iam;
    private static String teardownRole;
    private static String applyRole;
    private static String alarmsRole;

    @BeforeAll
    static void setUp() {
        workflow = Workflow.deployed();
        clients = Emulator.clients();
        iam = clients.build(IamClient.builder());
        String url = System.getenv("PALISADE_MINISTACK_URL");
        CloudFormationClient cfn = CloudFormationClient.builder().endpointOverride(URI.create(url))
                .region(Region.US_EAST_1).httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient
                        .create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .build();
        String stack = System.getenv().getOrDefault("PALISADE_STACK", "palisade");
        teardownRole = cfn.describeStackResource(r -> r.stackName(stack).logicalResourceId("TeardownFunctionRole"))
                .stackResourceDetail().physicalResourceId();
        applyRole = cfn.describeStackResource(r -> r.stackName(stack).logicalResourceId("ApplyAccountsFunctionRole"))
                .stackResourceDetail().physicalResourceId();
        alarmsRole = cfn.describeStackResource(r -> r.stackName(stack).logicalResourceId("RootLoginAlarmsFunctionRole"))
                .stackResourceDetail().physicalResourceId();
    }


    /** The role's inline policies in the emulated management account (the phase's identity there). */
    private static Map<String, String> policies(String role) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : iam.listRolePolicies(r -> r.roleName(role)).policyNames()) {
            out.put(name, URLDecoder.decode(iam.getRolePolicy(r -> r.roleName(role).policyName(name))
                    .policyDocument(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String without(String document, String action) {
        ObjectNode doc = (ObjectNode) Json.read(document, JsonNode.class);
        ArrayNode kept = Json.MAPPER.createArrayNode();
        for (JsonNode st : doc.withArray("Statement")) {
            ArrayNode actions = Json.MAPPER.createArrayNode();
            (st.path("Action").isArray() ? st.path("Action") : Json.MAPPER.createArrayNode().add(st.path("Action")))
                    .forEach(a -> {
                        if (!a.asText().equalsIgnoreCase(action)) {
                            actions.add(a);
                        }
                    });
            if (!actions.isEmpty()) {
                kept.add(((ObjectNode) st.deepCopy()).set("Action", actions));
            }
        }
        doc.set("Statement", kept);
        return Json.write(doc);
    }

    @Test
    void bootstrap_whenTheTeardownRoleLacksDescribeSecret_failsWithAccessDeniedAndCompensationLeavesNothing() {
        Map<String, String> original = policies(teardownRole);
        assertThat(original.values()).as("the copied role grants " + DROPPED).anyMatch(d -> d.contains(DROPPED));
        OrgConfig config = Workflow.freshConfig("ie");
        DescribeExecutionResponse run;
        try {
            original.forEach((name, doc) -> iam.putRolePolicy(r -> r.roleName(teardownRole).policyName(name)
                    .policyDocument(without(doc, DROPPED))));
            run = workflow.run(Workflow.bootstrap(config));
        } finally {
            original.forEach((name, doc) -> iam.putRolePolicy(r -> r.roleName(teardownRole).policyName(name)
                    .policyDocument(doc)));
        }
        System.out.printf("without %s on %s: %s %s%n", DROPPED, teardownRole, run.status(), run.error());
        assertThat(run.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(run.error() + " " + run.cause()).as("the run's error names the denial")
                .contains("not authorized to perform: " + DROPPED)
                .contains("TeardownFunctionRole");
        // the compensation (its own role, which has the permission) removed the temp-admin
        Map<String, String> ids = OrganizationChecks.accountIds(clients, config);
        OrganizationChecks.assertNoTempAdmin(clients, ids);

        // with the permission back, the next run converges
        DescribeExecutionResponse again = workflow.run(Workflow.bootstrap(config));
        assertThat(again.status()).as(again.error() + ": " + again.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        OrganizationChecks.assertBuilt(clients, config);
        assertThat(List.of(policies(teardownRole))).containsExactly(original);
    }

    /** What the management account's baseline phase may NOT do there, with the credentials it runs with. */
    @Test
    void applyAccountsRole_inTheManagementAccount_cannotMakeAnAdminPathOrTouchPalisadesOwnRoles() {
        String management = clients.cached("sts|self", () -> clients.build(
                software.amazon.awssdk.services.sts.StsClient.builder())).getCallerIdentity().account();
        var asPhase = clients.assume(clients.baseCredentials(), management, applyRole);
        IamClient phase = clients.build(IamClient.builder(), asPhase);
        String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Principal\":{\"AWS\":\"arn:aws:iam::999999999999:root\"},\"Action\":\"sts:AssumeRole\"}]}";
        String name = "Escalate" + Long.toString(System.nanoTime(), 36);

        // a role Palisade does not tag is not Palisade's to create
        assertDenied(() -> phase.createRole(r -> r.roleName(name).assumeRolePolicyDocument(trust)), "iam:CreateRole");
        // a tagged one may exist (managementRoles), but never with an administrator policy or an inline one
        phase.createRole(r -> r.roleName(name).assumeRolePolicyDocument(trust)
                .tags(t -> t.key("palisade:managed").value("true")));
        try {
            assertDenied(() -> phase.attachRolePolicy(r -> r.roleName(name)
                    .policyArn("arn:aws:iam::aws:policy/AdministratorAccess")), "iam:AttachRolePolicy");
            assertDenied(() -> phase.putRolePolicy(r -> r.roleName(name).policyName("x").policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                            + "\"Resource\":\"*\"}]}")), "iam:PutRolePolicy");
        } finally {
            iam.deleteRole(r -> r.roleName(name));
        }
        // Palisade's own stack roles, even if someone tagged one
        iam.tagRole(r -> r.roleName(teardownRole).tags(t -> t.key("palisade:managed").value("true")));
        try {
            assertDenied(() -> phase.updateAssumeRolePolicy(r -> r.roleName(teardownRole).policyDocument(trust)),
                    "iam:UpdateAssumeRolePolicy");
            assertDenied(() -> phase.attachRolePolicy(r -> r.roleName(teardownRole)
                    .policyArn("arn:aws:iam::aws:policy/ReadOnlyAccess")), "iam:AttachRolePolicy");
        } finally {
            iam.untagRole(r -> r.roleName(teardownRole).tagKeys("palisade:managed"));
        }
        // and no temp-admin bootstrap role exists there to be assumed
        assertThat(iam.listRoles().roles()).extracting(r -> r.roleName()).doesNotContain("PalisadeBootstrap");
    }

    /**
     * The root-login-alarms phase makes the management account's monitoring key with its own role:
     * it may make a key only with Palisade's tag, and change only keys that carry it.
     */
    @Test
    void rootLoginAlarmsRole_inTheManagementAccount_touchesOnlyKeysTaggedAsPalisades() {
        String management = clients.cached("sts|self", () -> clients.build(
                software.amazon.awssdk.services.sts.StsClient.builder())).getCallerIdentity().account();
        KmsClient phase = clients.build(KmsClient.builder(), clients.assume(clients.baseCredentials(), management,
                alarmsRole));
        KmsClient root = clients.build(KmsClient.builder());

        assertKmsDenied(() -> phase.createKey(r -> r.description("untagged")), "kms:CreateKey");
        String theirs = root.createKey(r -> r.description("someone else's")).keyMetadata().keyId();
        String ours = phase.createKey(r -> r.description("tagged").tags(t -> t.tagKey("palisade:managed")
                .tagValue("true"))).keyMetadata().keyId();
        try {
            assertKmsDenied(() -> phase.enableKeyRotation(r -> r.keyId(theirs)), "kms:EnableKeyRotation");
            assertKmsDenied(() -> phase.getKeyPolicy(r -> r.keyId(theirs).policyName("default")), "kms:GetKeyPolicy");
            phase.enableKeyRotation(r -> r.keyId(ours));
            assertThat(phase.getKeyRotationStatus(r -> r.keyId(ours)).keyRotationEnabled()).isTrue();
        } finally {
            root.scheduleKeyDeletion(r -> r.keyId(theirs).pendingWindowInDays(7));
            root.scheduleKeyDeletion(r -> r.keyId(ours).pendingWindowInDays(7));
        }
    }

    private static void assertKmsDenied(Runnable call, String action) {
        try {
            call.run();
            throw new AssertionError(action + " was allowed");
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            // KmsException, or the TransientAwsException an assumed role's AccessDenied becomes (IAM consistency)
            assertThat(e.getMessage()).contains("not authorized to perform: " + action);
        }
    }

    private static void assertDenied(Runnable call, String action) {
        try {
            call.run();
            throw new AssertionError(action + " was allowed");
        } catch (software.amazon.awssdk.services.iam.model.IamException e) {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
            assertThat(e.getMessage()).contains("not authorized to perform: " + action);
        }
    }
}
