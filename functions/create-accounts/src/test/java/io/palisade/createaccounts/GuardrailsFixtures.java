package io.palisade.createaccounts;

import io.palisade.common.config.OrgConfig;
import software.amazon.awssdk.services.organizations.model.ListPoliciesResponse;
import software.amazon.awssdk.services.organizations.model.ListRootsResponse;

/** For the unit tests of the first phases whose subject is not the guardrails (GuardrailsIT's is). */
final class GuardrailsFixtures {
    private GuardrailsFixtures() {}

    /** {@code config} with every guardrail off: the phase only reads that none of Palisade's policies exist. */
    static OrgConfig off(OrgConfig config) {
        return with(config, new OrgConfig.Guardrails(false, false, false, false, null));
    }

    static OrgConfig with(OrgConfig config, OrgConfig.Guardrails guardrails) {
        return new OrgConfig(config.organization(), config.identityAccount(), config.accounts(), config.roles(),
                config.groups(), config.users(), config.passwordPolicy(), config.alerts(), guardrails);
    }

    /** A root with no policy type enabled. */
    static ListRootsResponse root() {
        return ListRootsResponse.builder().roots(r -> r.id("r-unit").name("Root")).build();
    }

    /** No policy of the asked type. */
    static ListPoliciesResponse noPolicies() {
        return ListPoliciesResponse.builder().build();
    }
}
