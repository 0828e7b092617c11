package io.palisade.createaccounts;

import io.palisade.common.Names;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.errors.TransientAwsException;
import io.palisade.createaccounts.GuardrailsDiff.Step;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.PolicySummary;
import software.amazon.awssdk.services.organizations.model.PolicyTargetSummary;
import software.amazon.awssdk.services.organizations.model.PolicyTypeStatus;
import software.amazon.awssdk.services.organizations.model.Tag;

/**
 * Makes the steps {@link GuardrailsDiff} found, each through {@link ChangeExecutor} (a policy a
 * lost answer already made is found by its name; an attachment already there is done; a policy
 * already gone is done). Only CreateAccounts, in a changing run, reaches this class.
 */
final class GuardrailsApply {
    /** EnablePolicyType is asynchronous on AWS: how long a run waits for ENABLED before retrying later. */
    static final int ENABLE_POLLS = 15;
    static final Duration ENABLE_POLL_INTERVAL = Duration.ofSeconds(1);

    private final OrganizationsClient organizations;
    private final GuardrailsDiff diff;

    GuardrailsApply(OrganizationsClient organizations, GuardrailsDiff diff) {
        this.organizations = organizations;
        this.diff = diff;
    }

    void apply(List<Step> steps) {
        Map<String, String> created = new HashMap<>();
        for (Step step : steps) {
            switch (step.kind()) {
                case ENABLE_TYPE -> {
                    ChangeExecutor.create(step.change(), () -> organizations.enablePolicyType(r -> r
                            .rootId(step.rootId()).policyType(step.type())));
                    awaitEnabled(step.type());
                }
                case CREATE -> {
                    String id = ChangeExecutor.create(step.change(),
                            () -> organizations.createPolicy(r -> r
                                    .name(step.policy().name())
                                    .type(step.type())
                                    .description(step.policy().description())
                                    .content(step.policy().content())
                                    .tags(Tag.builder().key(Names.MANAGED_TAG).value("true").build()))
                                    .policy().policySummary().id(),
                            () -> idOf(step));
                    created.put(step.policy().name(), id);
                }
                case UPDATE -> ChangeExecutor.update(step.change(), () -> organizations.updatePolicy(r -> r
                        .policyId(step.policyId())
                        .description(step.policy().description())
                        .content(step.policy().content())));
                case ATTACH -> {
                    String id = step.policyId() != null ? step.policyId()
                            : created.getOrDefault(step.policy().name(), null);
                    String policyId = id != null ? id : idOf(step);
                    awaitEnabled(step.type());
                    ChangeExecutor.create(step.change(), () -> organizations.attachPolicy(r -> r
                            .policyId(policyId).targetId(step.rootId())));
                }
                case REMOVE -> ChangeExecutor.remove(step.change(), () -> {
                    // Palisade's policy: detached from wherever it is, then deleted
                    for (PolicyTargetSummary t : targets(step.policyId())) {
                        ChangeExecutor.remove(GuardrailsDiff.ATTACHMENT, t.targetId() + "/" + step.policy().name(),
                                () -> organizations.detachPolicy(r -> r.policyId(step.policyId())
                                        .targetId(t.targetId())));
                    }
                    organizations.deletePolicy(r -> r.policyId(step.policyId()));
                });
            }
        }
    }

    private List<PolicyTargetSummary> targets(String policyId) {
        List<PolicyTargetSummary> all = new java.util.ArrayList<>();
        organizations.listTargetsForPolicyPaginator(r -> r.policyId(policyId))
                .forEach(page -> all.addAll(page.targets()));
        return all;
    }

    /** The id of the policy of the step's name (made by this run, or by an attempt whose answer was lost). */
    private String idOf(Step step) {
        for (var page : organizations.listPoliciesPaginator(r -> r.filter(step.type()))) {
            for (PolicySummary p : page.policies()) {
                if (p.name().equals(step.policy().name())) {
                    return p.id();
                }
            }
        }
        throw new IllegalStateException("policy " + step.policy().name() + " was created but is not listed");
    }

    /**
     * Until the root lists the type ENABLED: AttachPolicy refuses a policy of a type still
     * PENDING_ENABLE. If it takes longer than this phase waits, the state machine retries.
     */
    private void awaitEnabled(String type) {
        for (int i = 0; i < ENABLE_POLLS; i++) {
            boolean on = diff.root().policyTypes().stream()
                    .anyMatch(t -> t.typeAsString().equals(type) && t.status() == PolicyTypeStatus.ENABLED);
            if (on) {
                return;
            }
            try {
                Thread.sleep(ENABLE_POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new TransientAwsException("Policy type " + type + " is not enabled on the organization's root yet", null);
    }
}
