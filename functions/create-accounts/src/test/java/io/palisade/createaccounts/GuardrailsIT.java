package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.guardrails.GuardrailPolicies;
import io.palisade.common.guardrails.GuardrailPolicies.Policy;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.model.PolicySummary;
import software.amazon.awssdk.services.organizations.model.PolicyTypeStatus;
import software.amazon.awssdk.services.organizations.model.Root;

/**
 * The guardrails at the root of the emulated organization (moto): made with the exact content,
 * attached, unchanged by a re-run, and restored (or removed) after someone changed them. moto
 * stores and attaches SCPs and RCPs but never evaluates them (moto_iam.py, limitation c): what
 * is shown here is what AWS would enforce, not that it is enforced.
 */
class GuardrailsIT {
    private Clients clients;
    private OrganizationsClient organizations;
    private OrgConfig config;
    private String organizationId;
    private GuardrailsDiff diff;

    @BeforeEach
    void organization() {
        clients = Emulator.clients();
        organizations = clients.build(OrganizationsClient.builder());
        try {
            organizationId = organizations.describeOrganization().organization().id();
        } catch (AwsOrganizationsNotInUseException e) {
            organizationId = organizations.createOrganization(r -> r.featureSet("ALL")).organization().id();
        }
        config = Emulator.config("gr" + UUID.randomUUID().toString().substring(0, 8));
        diff = new GuardrailsDiff(organizations, clients.partition());
    }

    /** A bootstrap's guardrail work; returns the changing calls it made. */
    private List<String> apply(OrgConfig config) {
        clients.calls().drain();
        new GuardrailsApply(organizations, diff).apply(diff.steps(config, organizationId));
        return clients.calls().drain();
    }

    private List<String> plan(OrgConfig config) {
        return diff.steps(config, organizationId).stream().map(s -> s.change().render()).toList();
    }

    private Root root() {
        return organizations.listRoots().roots().get(0);
    }

    private Optional<PolicySummary> policy(String name, String type) {
        List<PolicySummary> all = new ArrayList<>();
        organizations.listPoliciesPaginator(r -> r.filter(type)).forEach(p -> all.addAll(p.policies()));
        return all.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private List<PolicySummary> attachedAtRoot(String type) {
        List<PolicySummary> all = new ArrayList<>();
        organizations.listPoliciesForTargetPaginator(r -> r.targetId(root().id()).filter(type))
                .forEach(p -> all.addAll(p.policies()));
        return all;
    }

    private JsonNode content(PolicySummary policy) {
        return Json.read(organizations.describePolicy(r -> r.policyId(policy.id())).policy().content(), JsonNode.class);
    }

    private static OrgConfig with(OrgConfig config, OrgConfig.Guardrails guardrails) {
        return GuardrailsFixtures.with(config, guardrails);
    }

    @Test
    void apply_whenNoGuardrailsYet_attachesEachWantedPolicyAtTheRootWithItsExactContent() {
        List<String> calls = apply(config);

        assertThat(root().policyTypes()).anySatisfy(t -> {
            assertThat(t.typeAsString()).isEqualTo(GuardrailPolicies.SCP);
            assertThat(t.status()).isEqualTo(PolicyTypeStatus.ENABLED);
        }).anySatisfy(t -> {
            assertThat(t.typeAsString()).isEqualTo(GuardrailPolicies.RCP);
            assertThat(t.status()).isEqualTo(PolicyTypeStatus.ENABLED);
        });
        for (Policy wanted : GuardrailPolicies.of(config, clients.partition(), organizationId)) {
            Optional<PolicySummary> found = policy(wanted.name(), wanted.type());
            if (!wanted.wanted()) {
                assertThat(found).as(wanted.name() + " is off by default").isEmpty();
                continue;
            }
            assertThat(found).as(wanted.name()).isPresent();
            assertThat(content(found.get())).as(wanted.name() + " content, exactly")
                    .isEqualTo(Json.read(wanted.content(), JsonNode.class));
            assertThat(attachedAtRoot(wanted.type())).extracting(PolicySummary::id).as(wanted.name() + " at the root")
                    .contains(found.get().id());
        }
        assertThat(calls).filteredOn("Organizations:CreatePolicy"::equals).hasSize(2);
        assertThat(calls).filteredOn("Organizations:AttachPolicy"::equals).hasSize(2);
    }

    @Test
    void apply_expectedAnScpAtTheRootThatDeniesStopLoggingOnPalisadesTrail() {
        apply(config);
        String trail = "arn:" + clients.partition() + ":cloudtrail:*:*:trail/" + io.palisade.common.Names.TRAIL;

        assertThat(attachedAtRoot(GuardrailPolicies.SCP)).anySatisfy(p -> assertThat(content(p).get("Statement"))
                .anySatisfy(s -> {
                    assertThat(s.get("Effect").asText()).isEqualTo("Deny");
                    assertThat(Json.write(s.get("Action"))).contains("\"cloudtrail:StopLogging\"");
                    assertThat(s.get("Resource").asText()).isEqualTo(trail);
                    assertThat(s.at("/Condition/ArnNotLike/aws:PrincipalArn").toString())
                            .contains("role/PalisadeBootstrap", "role/OrganizationAccountAccessRole");
                }));
    }

    @Test
    void apply_whenRunAgain_expectedNothingPlannedAndNoChangingCall() {
        apply(config);

        assertThat(plan(config)).isEmpty();
        assertThat(apply(config)).isEmpty();
    }

    @Test
    void plan_whenAGuardrailWasDetached_expectedTheAttachmentPlannedAndApplyRestoresIt() {
        apply(config);
        String name = io.palisade.common.Names.guardrailsPolicy(config.organization().name());
        PolicySummary scp = policy(name, GuardrailPolicies.SCP).orElseThrow();
        organizations.detachPolicy(r -> r.policyId(scp.id()).targetId(root().id()));

        assertThat(plan(config)).containsExactly("+ organizations:policy-attachment " + root().id() + "/" + name);
        assertThat(apply(config)).containsExactly("Organizations:AttachPolicy");
        assertThat(attachedAtRoot(GuardrailPolicies.SCP)).extracting(PolicySummary::id).contains(scp.id());
        assertThat(plan(config)).isEmpty();
    }

    @Test
    void plan_whenAGuardrailWasEdited_expectedTheContentUpdatePlannedNamingTheStatementAndApplyRestoresIt() {
        apply(config);
        String name = io.palisade.common.Names.guardrailsPolicy(config.organization().name());
        PolicySummary scp = policy(name, GuardrailPolicies.SCP).orElseThrow();
        organizations.updatePolicy(r -> r.policyId(scp.id()).content("{\"Version\":\"2012-10-17\",\"Statement\":"
                + "[{\"Sid\":\"DenyLeaveOrganization\",\"Effect\":\"Deny\",\"Action\":\"organizations:LeaveOrganization\","
                + "\"Resource\":\"*\"}]}"));

        List<String> planned = plan(config);
        assertThat(planned).hasSize(1);
        assertThat(planned.get(0))
                .startsWith("~ organizations:policy " + name + " content: expected [\"DenyRootUser\",")
                .contains("\"ProtectPalisadeTrail\"")
                .endsWith("actual []");
        assertThat(apply(config)).containsExactly("Organizations:UpdatePolicy");
        assertThat(plan(config)).isEmpty();
    }

    @Test
    void apply_whenAGuardrailIsTurnedOff_expectedItDetachedAndDeleted() {
        apply(config);
        OrgConfig off = with(config, new OrgConfig.Guardrails(null, null, null, false, null));
        String name = io.palisade.common.Names.dataPerimeterPolicy(config.organization().name());

        assertThat(plan(off)).containsExactly("- organizations:policy " + name);
        assertThat(apply(off)).containsExactly("Organizations:DetachPolicy", "Organizations:DeletePolicy");
        assertThat(policy(name, GuardrailPolicies.RCP)).isEmpty();
        assertThat(plan(off)).isEmpty();
    }

    @Test
    void apply_whenRegionsAreAllowed_expectedTheRegionPolicyAtTheRoot() {
        OrgConfig regions = with(config, new OrgConfig.Guardrails(null, null, null, null,
                List.of("us-east-1", "eu-west-1")));
        apply(config);

        String name = io.palisade.common.Names.regionGuardrailPolicy(config.organization().name());
        assertThat(plan(regions)).containsExactly("+ organizations:policy " + name,
                "+ organizations:policy-attachment " + root().id() + "/" + name);
        apply(regions);
        PolicySummary found = policy(name, GuardrailPolicies.SCP).orElseThrow();
        assertThat(content(found).at("/Statement/0/Condition/StringNotEquals/aws:RequestedRegion").toString())
                .isEqualTo("[\"us-east-1\",\"eu-west-1\"]");
        assertThat(attachedAtRoot(GuardrailPolicies.SCP)).extracting(PolicySummary::id).contains(found.id());
    }

    @Test
    void planAccounts_whenAGuardrailWasDetached_expectedThePhasesPlanToNameIt() {
        apply(config);
        String name = io.palisade.common.Names.dataPerimeterPolicy(config.organization().name());
        PolicySummary rcp = policy(name, GuardrailPolicies.RCP).orElseThrow();
        organizations.detachPolicy(r -> r.policyId(rcp.id()).targetId(root().id()));

        RunState.Org org = new PlanAccounts(clients, organizations, null).plan(new RunState(RunState.DRIFT, config,
                null, new RunState.Run("it-" + UUID.randomUUID(), null), null, null, null, null, null, null, null));

        assertThat(org.changes()).contains("+ organizations:policy-attachment " + root().id() + "/" + name);
        assertThat(org.changes()).noneMatch(c -> c.startsWith("+ organizations:policy ")
                || c.startsWith("~ organizations:policy "));
    }
}
