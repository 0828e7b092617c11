package io.palisade.tempadmin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import java.util.List;
import org.junit.jupiter.api.Test;
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
    void userPolicy_whenBuilt_allowsOnlyAssumingTheBootstrapRoleOfEachTarget() {
        TempAdmin phase = new TempAdmin(new Clients(Region.US_EAST_1, null, null, null), null, List.of());

        JsonNode policy = tree(phase.userPolicy(List.of(new RunState.Target("infosec", "222222222222"),
                new RunState.Target("management", "111111111111"))));

        assertThat(policy.path("Statement")).hasSize(1);
        assertThat(policy.at("/Statement/0/Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(policy.at("/Statement/0/Resource")).extracting(JsonNode::asText).containsExactly(
                "arn:aws:iam::222222222222:role/PalisadeBootstrap", "arn:aws:iam::111111111111:role/PalisadeBootstrap");
    }

    @Test
    void userPolicy_whenInAnotherPartition_usesItsArns() {
        TempAdmin phase = new TempAdmin(new Clients(Region.CN_NORTH_1, null, null, null), null, List.of());

        JsonNode policy = tree(phase.userPolicy(List.of(new RunState.Target("infosec", "222222222222"))));

        assertThat(policy.at("/Statement/0/Resource/0").asText())
                .isEqualTo("arn:aws-cn:iam::222222222222:role/PalisadeBootstrap");
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
