package io.palisade.common.guardrails;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.guardrails.GuardrailPolicies.Policy;
import io.palisade.common.testkit.Emulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** The guardrail documents as the config makes them: what each denies, to whom, and their sizes. */
class GuardrailPoliciesTest {
    private static final OrgConfig CONFIG = Emulator.config("acme");

    private static OrgConfig with(OrgConfig.Guardrails guardrails) {
        return new OrgConfig(CONFIG.organization(), CONFIG.identityAccount(), CONFIG.accounts(), CONFIG.roles(),
                CONFIG.groups(), CONFIG.users(), CONFIG.passwordPolicy(), CONFIG.alerts(), guardrails);
    }

    private static Policy named(List<Policy> policies, String name) {
        return policies.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private static JsonNode statement(Policy policy, String sid) {
        JsonNode doc = Json.MAPPER.valueToTree(policy.document());
        return StreamSupport.stream(doc.get("Statement").spliterator(), false)
                .filter(s -> sid.equals(s.path("Sid").asText())).findFirst().orElseThrow();
    }

    @Test
    void of_whenNoGuardrailsSection_expectedTheGuardrailsScpAndTheRcpButNoRegionList() {
        List<Policy> policies = GuardrailPolicies.of(CONFIG, "aws", "o-abcdefghij");

        assertThat(policies).extracting(Policy::name).containsExactly("acme-palisade-guardrails",
                "acme-palisade-region-allowlist", "acme-palisade-data-perimeter");
        assertThat(policies).extracting(Policy::wanted).containsExactly(true, false, true);
        assertThat(policies).extracting(Policy::type).containsExactly(GuardrailPolicies.SCP, GuardrailPolicies.SCP,
                GuardrailPolicies.RCP);
    }

    @Test
    void of_protectBaseline_expectedStopLoggingOnPalisadesTrailDeniedToAllButPalisadesRoles() {
        Policy scp = named(GuardrailPolicies.of(CONFIG, "aws", "o-abcdefghij"), "acme-palisade-guardrails");

        JsonNode trail = statement(scp, "ProtectPalisadeTrail");
        assertThat(trail.get("Effect").asText()).isEqualTo("Deny");
        assertThat(Json.write(trail.get("Action"))).contains("\"cloudtrail:StopLogging\"", "\"cloudtrail:DeleteTrail\"",
                "\"cloudtrail:UpdateTrail\"", "\"cloudtrail:PutEventSelectors\"");
        assertThat(trail.get("Resource").asText()).isEqualTo("arn:aws:cloudtrail:*:*:trail/palisade-trail");
        assertThat(Json.write(trail.get("Condition"))).isEqualTo("{\"ArnNotLike\":{\"aws:PrincipalArn\":["
                + "\"arn:aws:iam::*:role/PalisadeBootstrap\",\"arn:aws:iam::*:role/OrganizationAccountAccessRole\"]}}");
    }

    @Test
    void of_everyProtectionStatement_expectedPalisadesRolesExemptAndTheRolesThemselvesProtected() {
        Policy scp = named(GuardrailPolicies.of(CONFIG, "aws", null), "acme-palisade-guardrails");
        JsonNode doc = Json.MAPPER.valueToTree(scp.document());

        List<String> sids = new ArrayList<>();
        doc.get("Statement").forEach(s -> sids.add(s.get("Sid").asText()));
        assertThat(sids).containsExactly("DenyLeaveOrganization", "DenyRootUser", "ProtectPalisadeTrail",
                "ProtectPalisadeLogGroups", "ProtectPalisadeAlarms", "ProtectPalisadeTopics", "ProtectPalisadeRules",
                "ProtectPalisadeBuckets", "ProtectPalisadeLogObjects", "ProtectPalisadeConfig",
                "ProtectPalisadeKeys", "ProtectPalisadeKeyAliases", "ProtectPalisadeRoles");
        doc.get("Statement").forEach(s -> {
            if (s.get("Sid").asText().startsWith("Protect")) {
                assertThat(s.at("/Condition/ArnNotLike/aws:PrincipalArn")).as(s.get("Sid").asText()).hasSize(2);
            }
        });
        assertThat(Json.write(statement(scp, "ProtectPalisadeRoles").get("Resource")))
                .contains("role/PalisadeBootstrap", "role/OrganizationAccountAccessRole");
        assertThat(Json.write(statement(scp, "ProtectPalisadeRoles").get("Action"))).contains("iam:CreateRole",
                "iam:UpdateAssumeRolePolicy");
        assertThat(statement(scp, "ProtectPalisadeBuckets").get("Resource").asText())
                .isEqualTo("arn:aws:s3:::acme-palisade-*");
        assertThat(Json.write(statement(scp, "ProtectPalisadeKeys").get("Condition")))
                .contains("\"ForAnyValue:StringLike\":{\"kms:ResourceAliases\":\"alias/palisade-*\"}");
    }

    @Test
    void of_denyLeaveAndRoot_expectedAwsExamplesWithAssumeRootSessionsExcepted() {
        Policy scp = named(GuardrailPolicies.of(CONFIG, "aws", null), "acme-palisade-guardrails");

        assertThat(Json.write(statement(scp, "DenyLeaveOrganization"))).isEqualTo("{\"Action\":"
                + "\"organizations:LeaveOrganization\",\"Effect\":\"Deny\",\"Resource\":\"*\",\"Sid\":\"DenyLeaveOrganization\"}");
        JsonNode root = statement(scp, "DenyRootUser");
        assertThat(root.get("Action").asText()).isEqualTo("*");
        assertThat(root.at("/Condition/ArnLike/aws:PrincipalArn").asText()).isEqualTo("arn:aws:iam::*:root");
        assertThat(root.at("/Condition/Null/aws:AssumedRoot").asText()).isEqualTo("true");
    }

    @Test
    void of_whenEachSwitchIsOff_expectedItsStatementsGoneAndThePolicyUnwantedWhenNoneIsLeft() {
        Policy onlyLeave = named(GuardrailPolicies.of(with(new OrgConfig.Guardrails(true, false, false, false, null)),
                "aws", null), "acme-palisade-guardrails");
        List<Policy> none = GuardrailPolicies.of(with(new OrgConfig.Guardrails(false, false, false, false, null)),
                "aws", null);

        assertThat(Json.MAPPER.valueToTree(onlyLeave.document()).get("Statement")).hasSize(1);
        assertThat(none).extracting(Policy::wanted).containsOnly(false);
    }

    @Test
    void of_regionAllowList_expectedAwsRegionExampleWithTheGlobalServicesExempt() {
        Policy regions = named(GuardrailPolicies.of(with(new OrgConfig.Guardrails(null, null, null, null,
                List.of("us-east-1", "eu-west-1"))), "aws", null), "acme-palisade-region-allowlist");

        JsonNode s = statement(regions, "DenyOutsideAllowedRegions");
        assertThat(s.get("Effect").asText()).isEqualTo("Deny");
        assertThat(Json.write(s.get("NotAction"))).contains("\"iam:*\"", "\"organizations:*\"", "\"sts:*\"",
                "\"support:*\"", "\"cloudfront:*\"", "\"route53:*\"");
        assertThat(Json.write(s.get("Condition")))
                .isEqualTo("{\"StringNotEquals\":{\"aws:RequestedRegion\":[\"us-east-1\",\"eu-west-1\"]}}");
    }

    @Test
    void of_dataPerimeter_expectedBucketsDeniedOutsideTheOrganizationAndToForeignServiceSources() {
        Policy rcp = named(GuardrailPolicies.of(CONFIG, "aws", "o-abcdefghij"), "acme-palisade-data-perimeter");

        JsonNode principals = statement(rcp, "PalisadeBucketsOnlyOrganizationPrincipals");
        assertThat(principals.get("Principal").asText()).isEqualTo("*");
        assertThat(principals.get("Action").asText()).isEqualTo("s3:*");
        assertThat(Json.write(principals.get("Resource")))
                .isEqualTo("[\"arn:aws:s3:::acme-palisade-*\",\"arn:aws:s3:::acme-palisade-*/*\"]");
        assertThat(principals.at("/Condition/StringNotEqualsIfExists/aws:PrincipalOrgID").asText())
                .isEqualTo("o-abcdefghij");
        assertThat(principals.at("/Condition/BoolIfExists/aws:PrincipalIsAWSService").asText()).isEqualTo("false");
        JsonNode services = statement(rcp, "PalisadeBucketsOnlyServicesForTheOrganization");
        assertThat(services.at("/Condition/StringNotEqualsIfExists/aws:SourceOrgID").asText()).isEqualTo("o-abcdefghij");
        assertThat(services.at("/Condition/Bool/aws:PrincipalIsAWSService").asText()).isEqualTo("true");
    }

    @Test
    void of_protectBaseline_whenConfigRecorderOn_expectedTheRecorderAndChannelDeniedToAllButPalisadesRoles() {
        Policy scp = named(GuardrailPolicies.of(CONFIG, "aws", "o-abcdefghij"), "acme-palisade-guardrails");

        JsonNode recorder = statement(scp, "ProtectPalisadeConfig");
        assertThat(recorder.get("Effect").asText()).isEqualTo("Deny");
        assertThat(recorder.get("Action")).extracting(JsonNode::asText).containsExactly(
                "config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
                "config:DeleteDeliveryChannel", "config:PutConfigurationRecorder", "config:PutDeliveryChannel");
        assertThat(recorder.get("Resource").asText()).isEqualTo("*");
        assertThat(Json.write(recorder.get("Condition"))).isEqualTo(Json.write(
                statement(scp, "ProtectPalisadeTrail").get("Condition")));
    }

    @Test
    void of_protectBaseline_whenConfigRecorderOff_expectedNoConfigStatement() {
        OrgConfig off = new OrgConfig(CONFIG.organization(), CONFIG.identityAccount(), CONFIG.accounts(),
                CONFIG.roles(), CONFIG.groups(), CONFIG.users(), CONFIG.passwordPolicy(), CONFIG.alerts(), null, null,
                false);

        Policy scp = named(GuardrailPolicies.of(off, "aws", "o-abcdefghij"), "acme-palisade-guardrails");

        assertThat(scp.content()).doesNotContain("config:", "palisade-config-");
    }

    @Test
    void sizes_whenTheLongestOrganizationNameAndEveryGuardrail_expectedTheScpUnderTheLimit() {
        OrgConfig longest = new OrgConfig(new OrgConfig.Organization("a".repeat(29), "us-east-1", List.of()),
                CONFIG.identityAccount(), CONFIG.accounts(), CONFIG.roles(), CONFIG.groups(), CONFIG.users(),
                CONFIG.passwordPolicy(), CONFIG.alerts());

        Policy scp = named(GuardrailPolicies.of(longest, "aws-us-gov", null), Names.guardrailsPolicy("a".repeat(29)));

        int size = PolicyLimits.size(scp.limit(), scp.content());
        System.out.printf("%s: %d characters of %d%n", scp.name(), size, scp.limit().limit());
        assertThat(size).isLessThan(PolicyLimits.Kind.SERVICE_CONTROL_POLICY.limit());
    }

    @Test
    void of_inAnotherPartition_expectedItsArns() {
        Policy scp = named(GuardrailPolicies.of(CONFIG, "aws-us-gov", null), "acme-palisade-guardrails");

        assertThat(statement(scp, "ProtectPalisadeTrail").get("Resource").asText())
                .isEqualTo("arn:aws-us-gov:cloudtrail:*:*:trail/palisade-trail");
    }

    @Test
    void sizes_whenEveryGuardrailAndEveryRegionAwsHas_expectedUnderTheLimit() {
        List<String> everyRegion = Region.regions().stream().map(Region::id)
                .filter(id -> !id.endsWith("-global") && !"aws-global".equals(id)).toList();
        List<Policy> policies = GuardrailPolicies.of(with(new OrgConfig.Guardrails(null, null, null, null,
                everyRegion)), "aws-us-gov", null);

        assertThat(GuardrailPolicies.sizeProblems(policies)).isEmpty();
        for (Policy p : policies) {
            System.out.printf("%s: %d characters of %d%n", p.name(), PolicyLimits.size(p.limit(), p.content()),
                    p.limit().limit());
        }
    }

    @Test
    void sizeProblems_whenAPolicyIsOverTheLimit_expectedTheProblemNamesTheFieldAndSize() {
        Policy large = new Policy("acme-palisade-region-allowlist", GuardrailPolicies.SCP, "guardrails.allowedRegions",
                Map.of("Version", "2012-10-17", "Statement", List.of(Map.of("Sid", "x".repeat(5_200)))));
        Policy off = new Policy("acme-palisade-guardrails", GuardrailPolicies.SCP, "guardrails", null);

        List<String> problems = GuardrailPolicies.sizeProblems(List.of(large, off));

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0))
                .startsWith("guardrails.allowedRegions makes the service control policy acme-palisade-region-allowlist ")
                .contains("characters, over AWS's limit of 5120");
    }

    @Test
    void matches_whenOrganizationsReturnsTheDocumentReordered_expectedEquivalent() {
        Policy scp = named(GuardrailPolicies.of(CONFIG, "aws", null), "acme-palisade-guardrails");
        JsonNode doc = Json.MAPPER.valueToTree(scp.document());
        List<JsonNode> reversed = new ArrayList<>();
        doc.get("Statement").forEach(s -> reversed.add(0, s));

        assertThat(GuardrailPolicies.matches(scp, Json.write(Map.of("Statement", reversed, "Version", "2012-10-17"))))
                .isTrue();
        assertThat(GuardrailPolicies.matches(scp, Json.write(Map.of("Statement", reversed.subList(1, reversed.size()),
                "Version", "2012-10-17")))).isFalse();
    }
}
