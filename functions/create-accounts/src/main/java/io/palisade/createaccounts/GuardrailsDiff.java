package io.palisade.createaccounts;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.guardrails.GuardrailPolicies;
import io.palisade.common.guardrails.GuardrailPolicies.Policy;
import io.palisade.common.policy.PolicyDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.PolicySummary;
import software.amazon.awssdk.services.organizations.model.PolicyTypeStatus;
import software.amazon.awssdk.services.organizations.model.PolicyTypeSummary;
import software.amazon.awssdk.services.organizations.model.Root;

/**
 * What the guardrails at the organization's root lack, read and never changed: the steps
 * {@link GuardrailsApply} takes in a bootstrap, and the changes a plan or drift run reports.
 * Read-only on purpose (its own class): PlanAccounts uses it, and reaches none of the writes.
 *
 * <p>Each wanted policy ({@link GuardrailPolicies#of}) must exist by its name with content
 * equivalent to the config's ({@link PolicyDocument#equivalent}) and be attached to the root;
 * its policy type must be enabled there. A policy the config turns off must not exist. A policy
 * someone edited, or detached, is a change: a bootstrap (or a drift run with repair) restores it.
 */
final class GuardrailsDiff {
    static final String POLICY = "organizations:policy";
    static final String ATTACHMENT = "organizations:policy-attachment";
    static final String POLICY_TYPE = "organizations:policy-type";

    enum Kind { ENABLE_TYPE, CREATE, UPDATE, ATTACH, REMOVE }

    /**
     * One step: what it is, for which policy (by name: a CREATE's id is known only once made),
     * the policy's id when it exists, the root, and the change it is.
     */
    record Step(Kind kind, Policy policy, String policyId, String rootId, String type, Change change) {}

    private final OrganizationsClient organizations;
    private final String partition;

    GuardrailsDiff(OrganizationsClient organizations, String partition) {
        this.organizations = organizations;
        this.partition = partition;
    }

    /** Every wanted policy as a step each, for an organization that does not exist yet. */
    List<Step> forNewOrganization(OrgConfig config) {
        List<Step> steps = new ArrayList<>();
        for (Policy policy : GuardrailPolicies.of(config, partition, null)) {
            if (policy.wanted()) {
                steps.add(new Step(Kind.CREATE, policy, null, null, policy.type(),
                        Change.create(POLICY, policy.name())));
                steps.add(new Step(Kind.ATTACH, policy, null, null, policy.type(),
                        Change.create(ATTACHMENT, "root/" + policy.name())));
            }
        }
        return steps;
    }

    /** What the organization's root lacks for this config, in the order a bootstrap makes it. */
    List<Step> steps(OrgConfig config, String organizationId) {
        List<Policy> policies = GuardrailPolicies.of(config, partition, organizationId);
        for (Policy policy : policies) {
            if (policy.wanted()) {
                // the validator measured it with the longest id; this is the real one, before any change
                PolicyLimits.require(policy.limit(), "policy " + policy.name() + " (" + policy.field() + ")",
                        policy.content());
            }
        }
        Root root = root();
        Set<String> enabled = new HashSet<>();
        for (PolicyTypeSummary t : root.policyTypes()) {
            if (t.status() == PolicyTypeStatus.ENABLED || t.status() == PolicyTypeStatus.PENDING_ENABLE) {
                enabled.add(t.typeAsString());
            }
        }
        // by type and name: a policy of another type may have the same name
        Map<String, PolicySummary> byName = new HashMap<>();
        Map<String, Set<String>> attached = new HashMap<>();
        for (String type : List.of(GuardrailPolicies.SCP, GuardrailPolicies.RCP)) {
            organizations.listPoliciesPaginator(r -> r.filter(type))
                    .forEach(page -> page.policies().forEach(p -> byName.put(type + "/" + p.name(), p)));
            Set<String> ids = new HashSet<>();
            if (enabled.contains(type)) {
                organizations.listPoliciesForTargetPaginator(r -> r.targetId(root.id()).filter(type))
                        .forEach(page -> page.policies().forEach(p -> ids.add(p.id())));
            }
            attached.put(type, ids);
        }

        List<Step> steps = new ArrayList<>();
        Set<String> typesNeeded = new LinkedHashSet<>();
        policies.stream().filter(Policy::wanted).forEach(p -> typesNeeded.add(p.type()));
        for (String type : typesNeeded) {
            if (!enabled.contains(type)) {
                steps.add(new Step(Kind.ENABLE_TYPE, null, null, root.id(), type,
                        Change.create(POLICY_TYPE, root.id() + "/" + type)));
            }
        }
        for (Policy policy : policies) {
            PolicySummary found = byName.get(policy.type() + "/" + policy.name());
            if (!policy.wanted()) {
                if (found != null) {
                    steps.add(new Step(Kind.REMOVE, policy, found.id(), root.id(), policy.type(),
                            Change.remove(POLICY, policy.name())));
                }
                continue;
            }
            if (found == null) {
                steps.add(new Step(Kind.CREATE, policy, null, root.id(), policy.type(),
                        Change.create(POLICY, policy.name())));
                steps.add(new Step(Kind.ATTACH, policy, null, root.id(), policy.type(),
                        Change.create(ATTACHMENT, root.id() + "/" + policy.name())));
                continue;
            }
            String content = organizations.describePolicy(r -> r.policyId(found.id())).policy().content();
            if (!GuardrailPolicies.matches(policy, content)) {
                steps.add(new Step(Kind.UPDATE, policy, found.id(), root.id(), policy.type(),
                        Change.update(null, POLICY, policy.name(), "content",
                                differing(policy.document(), content, true),
                                differing(policy.document(), content, false))));
            }
            if (!attached.get(policy.type()).contains(found.id())) {
                steps.add(new Step(Kind.ATTACH, policy, found.id(), root.id(), policy.type(),
                        Change.create(ATTACHMENT, root.id() + "/" + policy.name())));
            }
        }
        return steps;
    }

    /** The organization's root (an organization has exactly one). */
    Root root() {
        return organizations.listRoots().roots().get(0);
    }

    /**
     * A content change in a line: the statements (by Sid, {@code #n} without one) of the expected
     * document that the actual one lacks or has otherwise ({@code expected}), or the actual
     * statements the expected one lacks. The whole documents would be kilobytes in every report.
     */
    static List<String> differing(Object expected, String actual, boolean ofExpected) {
        List<JsonNode> want = statements(Json.MAPPER.valueToTree(expected));
        List<JsonNode> have = statements(PolicyDocument.parse(actual));
        List<JsonNode> from = ofExpected ? want : have;
        List<JsonNode> other = ofExpected ? have : want;
        Set<JsonNode> others = new HashSet<>();
        other.forEach(s -> others.add(PolicyDocument.normalize(s)));
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < from.size(); i++) {
            if (!others.contains(PolicyDocument.normalize(from.get(i)))) {
                JsonNode sid = from.get(i).get("Sid");
                labels.add(sid == null || sid.asText().isEmpty() ? "#" + i : sid.asText());
            }
        }
        return labels;
    }

    private static List<JsonNode> statements(JsonNode document) {
        List<JsonNode> list = new ArrayList<>();
        if (document == null) {
            return list;
        }
        JsonNode s = document.get("Statement");
        if (s == null) {
            return list;
        }
        if (s.isArray()) {
            s.forEach(list::add);
        } else {
            list.add(s);
        }
        return list;
    }
}
