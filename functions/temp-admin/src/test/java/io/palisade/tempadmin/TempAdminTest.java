package io.palisade.tempadmin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.aws.TempAdminSession;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.regions.Region;

/** The temp-admin's policies: it may do nothing but assume the bootstrap role, which trusts only it. */
class TempAdminTest {
    private static final String USER = "arn:aws:iam::222222222222:user/palisade/PalisadeTempAdmin";

    private static JsonNode tree(Object policy) {
        return Json.MAPPER.valueToTree(policy);
    }

    @Test
    void trustPolicy_whenBuilt_trustsExactlyTheUser() {
        JsonNode trust = tree(TempAdmin.trustPolicy(USER));

        assertThat(trust.path("Statement")).hasSize(1);
        assertThat(trust.at("/Statement/0/Effect").asText()).isEqualTo("Allow");
        assertThat(trust.at("/Statement/0/Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(trust.at("/Statement/0/Principal")).isEqualTo(Json.MAPPER.createObjectNode().put("AWS", USER));
    }

    @Test
    void userPolicy_whenBuilt_allowsOnlyAssumingTheBootstrapRoleInTheOrganization() {
        TempAdmin phase = new TempAdmin(new Clients(Region.US_EAST_1, null, null, null), null, List.of());

        JsonNode policy = tree(phase.userPolicy("o-a1b2c3d4e5"));

        assertThat(policy.path("Statement")).hasSize(1);
        assertThat(policy.at("/Statement/0/Effect").asText()).isEqualTo("Allow");
        assertThat(policy.at("/Statement/0/Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(policy.at("/Statement/0/Resource").asText()).isEqualTo("arn:aws:iam::*:role/PalisadeBootstrap");
        assertThat(policy.at("/Statement/0/Condition")).hasSize(1);
        assertThat(policy.at("/Statement/0/Condition/StringEquals")).hasSize(1);
        assertThat(policy.at("/Statement/0/Condition/StringEquals/aws:ResourceOrgID").asText())
                .isEqualTo("o-a1b2c3d4e5");
    }

    @Test
    void userPolicy_whenInAnotherPartition_usesItsArns() {
        TempAdmin phase = new TempAdmin(new Clients(Region.CN_NORTH_1, null, null, null), null, List.of());

        JsonNode policy = tree(phase.userPolicy("o-a1b2c3d4e5"));

        assertThat(policy.at("/Statement/0/Resource").asText()).isEqualTo("arn:aws-cn:iam::*:role/PalisadeBootstrap");
    }

    @Test
    void userPolicy_whenTheOrganizationIdIsUnknown_fails() {
        TempAdmin phase = new TempAdmin(new Clients(Region.US_EAST_1, null, null, null), null, List.of());

        assertThatThrownBy(() -> phase.userPolicy(null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("organization id");
    }

    /** Issue #7: the temp-admin's policies are within their AWS limits at 300 accounts (none grows with them). */
    @ParameterizedTest
    @ValueSource(ints = {3, 300})
    void everyPolicy_whenTheOrganizationHasThisManyAccounts_isWithinItsAwsLimit(int n) {
        List<String> readers = List.of(
                "arn:aws:iam::483920175013:role/palisade-ApplyAccountsFunctionRole-AbCdEfGhIjKl",
                "arn:aws:iam::483920175013:role/palisade-RootLoginAlarmsFunctionRole-AbCdEfGhIjKl",
                "arn:aws:iam::483920175013:role/palisade-OneTimeLoginFunctionRole-AbCdEfGhIjKl",
                "arn:aws:iam::483920175013:role/palisade-TempAdminFunctionRole-AbCdEfGhIjKl");
        TempAdmin phase = new TempAdmin(new Clients(Region.EU_WEST_1, null, null, null), null, readers);
        // the targets are not an input of any of them any more: n only labels the output
        report(n, "temp-admin user policy", PolicyLimits.Kind.IAM_USER_INLINE, phase.userPolicy("o-a1b2c3d4e5"));
        report(n, "bootstrap role trust policy", PolicyLimits.Kind.IAM_ROLE_TRUST,
                TempAdmin.trustPolicy("arn:aws:iam::483920175013:user/palisade/" + Names.TEMP_ADMIN_USER));
        report(n, "bootstrap role inline policy", PolicyLimits.Kind.IAM_ROLE_INLINE, TempAdmin.baselinePolicy());
        report(n, "temp-admin secret policy", PolicyLimits.Kind.SECRETS_MANAGER, phase.secretPolicy());
    }

    private static void report(int accounts, String name, PolicyLimits.Kind kind, Object document) {
        int size = PolicyLimits.require(kind, name, document);
        System.out.printf("policy-size accounts=%d %-40s %6d / %6d %s%n", accounts, name, size, kind.limit(),
                kind.unit());
    }

    @Test
    void secretPolicy_whenReadersAreGiven_deniesEveryoneElseTheSecretValue() {
        List<String> readers = List.of("arn:aws:iam::111111111111:role/stack-ApplyAccountsFunctionRole-x");
        TempAdmin phase = new TempAdmin(new Clients(Region.US_EAST_1, null, null, null), null, readers);

        JsonNode policy = tree(phase.secretPolicy());

        assertThat(policy.at("/Statement/0/Effect").asText()).isEqualTo("Deny");
        assertThat(policy.at("/Statement/0/Principal").asText()).isEqualTo("*");
        assertThat(policy.at("/Statement/0/Action").asText()).isEqualTo("secretsmanager:GetSecretValue");
        assertThat(policy.at("/Statement/0/Condition/StringNotLike/aws:PrincipalArn"))
                .extracting(JsonNode::asText).containsExactlyElementsOf(readers);
    }

    @Test
    void baselinePolicy_whenBuilt_grantsNoOrganizationsOrStsActions() {
        JsonNode policy = tree(TempAdmin.baselinePolicy());

        assertThat(policy.at("/Statement/0/Action")).extracting(JsonNode::asText)
                .noneMatch(a -> a.startsWith("organizations:") || a.startsWith("sts:") || a.equals("*"));
    }
}
