package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import io.palisade.common.policy.PolicyDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachRolePolicyRequest;
import software.amazon.awssdk.services.iam.model.AttachRolePolicyResponse;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.CreateRoleRequest;
import software.amazon.awssdk.services.iam.model.CreateRoleResponse;
import software.amazon.awssdk.services.iam.model.GetRoleRequest;
import software.amazon.awssdk.services.iam.model.GetRoleResponse;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListRolePoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/** PalisadeAudit: its trust names only the plan phases' roles; the plan makes it read-only and keeps it so. */
class AuditRoleTest {
    private static final String PROD = "222222222222";
    private static final Change.Account PROD_ACCOUNT = new Change.Account(PROD, "prod");
    private static final String APPLY = "arn:aws:iam::111111111111:role/palisade-ApplyAccountsFunctionRole-X";
    private static final String ALARMS = "arn:aws:iam::111111111111:role/palisade-RootLoginAlarmsFunctionRole-Y";
    private static final String READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";

    @Test
    void auditTrust_whenBuilt_allowsOnlyAssumeRoleToExactlyThePlanPhasesRoles() {
        JsonNode trust = Json.MAPPER.valueToTree(PolicyDocuments.auditTrust(List.of(APPLY, ALARMS)));

        assertThat(trust.path("Version").asText()).isEqualTo("2012-10-17");
        assertThat(trust.path("Statement")).hasSize(1);
        JsonNode statement = trust.path("Statement").get(0);
        assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
        assertThat(statement.path("Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(statement.path("Principal").size()).isEqualTo(1);
        assertThat(statement.path("Principal").path("AWS")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(APPLY, ALARMS);
        assertThat(trust.toString()).doesNotContain(":root").doesNotContain("\"*\"");
        // the order the environment lists them in does not matter
        assertThat(PolicyDocument.equivalent(trust,
                Json.MAPPER.valueToTree(PolicyDocuments.auditTrust(List.of(ALARMS, APPLY))))).isTrue();
    }

    @Test
    void auditTrust_whenNoAuditor_refuses() {
        assertThatThrownBy(() -> PolicyDocuments.auditTrust(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PALISADE_AUDITORS");
    }

    @Test
    void auditors_whenReadFromTheEnvironment_areRolesOfTheManagementAccount() {
        List<String> names = ApplyAccountsHandler.auditors(Map.of("PALISADE_AUDITORS",
                "palisade-ApplyAccountsFunctionRole-X, palisade-RootLoginAlarmsFunctionRole-Y,"));
        assertThat(names).containsExactly("palisade-ApplyAccountsFunctionRole-X",
                "palisade-RootLoginAlarmsFunctionRole-Y");
        assertThat(ApplyAccounts.auditorArns("aws", "111111111111", names)).containsExactly(APPLY, ALARMS);
        assertThat(ApplyAccounts.auditorArns("aws-cn", "111111111111", List.of(APPLY)))
                .as("an ARN is kept").containsExactly(APPLY);
        assertThat(ApplyAccountsHandler.auditors(Map.of())).isEmpty();
    }

    @Test
    void plan_whenMissing_isOneCreateThatMakesATaggedReadOnlyRoleTrustingThePlanPhases() {
        Iam iam = new Iam(null, List.of(), List.of());

        Plan plan = ApplyAccounts.planAuditRole(iam, "aws", PROD_ACCOUNT, List.of(APPLY, ALARMS));

        assertThat(plan.changes()).extracting(Change::render).containsExactly("+ iam:role prod/PalisadeAudit");
        assertThat(iam.writes).isEmpty();
        plan.apply();
        CreateRoleRequest created = (CreateRoleRequest) iam.writes.get(0);
        assertThat(created.roleName()).isEqualTo(Names.AUDIT_ROLE);
        assertThat(created.tags()).anyMatch(t -> t.key().equals("palisade:managed") && t.value().equals("true"));
        assertThat(PolicyDocument.equivalent(PolicyDocument.parse(created.assumeRolePolicyDocument()),
                Json.MAPPER.valueToTree(PolicyDocuments.auditTrust(List.of(APPLY, ALARMS))))).isTrue();
        AttachRolePolicyRequest attached = (AttachRolePolicyRequest) iam.writes.get(1);
        assertThat(attached.roleName()).isEqualTo(Names.AUDIT_ROLE);
        assertThat(attached.policyArn()).isEqualTo(READ_ONLY);
        assertThat(iam.writes).hasSize(2);
    }

    @Test
    void plan_whenAsWanted_isEmpty() {
        String trust = Json.write(PolicyDocuments.auditTrust(List.of(APPLY, ALARMS)));
        Iam iam = new Iam(trust, List.of(READ_ONLY), List.of());

        assertThat(ApplyAccounts.planAuditRole(iam, "aws", PROD_ACCOUNT, List.of(ALARMS, APPLY)).isEmpty()).isTrue();
    }

    @Test
    void plan_whenWidened_namesTheTrustTheExtraPolicyAndTheInlinePolicy() {
        String open = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
                + "\"Action\":\"sts:AssumeRole\"}]}";
        Iam iam = new Iam(open, List.of("arn:aws:iam::aws:policy/AdministratorAccess"), List.of("Backdoor"));

        List<String> changes = ApplyAccounts.planAuditRole(iam, "aws", PROD_ACCOUNT, List.of(APPLY, ALARMS))
                .changes().stream().map(Change::render).toList();

        assertThat(changes).hasSize(4);
        assertThat(changes.get(0)).startsWith("~ iam:role prod/PalisadeAudit trust: expected {").contains(APPLY)
                .endsWith("actual " + open);
        assertThat(changes.subList(1, 4)).containsExactly(
                "~ iam:role prod/PalisadeAudit policy: expected \"" + READ_ONLY + "\" "
                        + "actual [\"arn:aws:iam::aws:policy/AdministratorAccess\"]",
                "- iam:role-policy-attachment prod/PalisadeAudit arn:aws:iam::aws:policy/AdministratorAccess",
                "- iam:role-policy prod/PalisadeAudit/Backdoor");
        assertThat(iam.writes).isEmpty();
    }

    /** IAM with (or without: trust null) the audit role; records writes (create, attach) and refuses others. */
    private static final class Iam implements IamClient {
        final List<Object> writes = new ArrayList<>();
        private final String trust;
        private final List<String> attached;
        private final List<String> inline;

        Iam(String trust, List<String> attached, List<String> inline) {
            this.trust = trust;
            this.attached = attached;
            this.inline = inline;
        }

        @Override
        public GetRoleResponse getRole(GetRoleRequest r) {
            if (trust == null) {
                throw (NoSuchEntityException) NoSuchEntityException.builder().statusCode(404)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("NoSuchEntity").build()).build();
            }
            return GetRoleResponse.builder().role(Role.builder().roleName(r.roleName())
                    .arn(Names.roleArn("aws", PROD, r.roleName())).assumeRolePolicyDocument(trust)
                    .maxSessionDuration(3600).build()).build();
        }

        @Override
        public ListAttachedRolePoliciesResponse listAttachedRolePolicies(ListAttachedRolePoliciesRequest r) {
            return ListAttachedRolePoliciesResponse.builder().isTruncated(false).attachedPolicies(attached.stream()
                    .map(a -> AttachedPolicy.builder().policyArn(a).build()).toList()).build();
        }

        @Override
        public ListRolePoliciesResponse listRolePolicies(ListRolePoliciesRequest r) {
            return ListRolePoliciesResponse.builder().isTruncated(false).policyNames(inline).build();
        }

        @Override
        public CreateRoleResponse createRole(CreateRoleRequest r) {
            writes.add(r);
            return CreateRoleResponse.builder().role(Role.builder().roleName(r.roleName()).build()).build();
        }

        @Override
        public AttachRolePolicyResponse attachRolePolicy(AttachRolePolicyRequest r) {
            writes.add(r);
            return AttachRolePolicyResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "iam";
        }

        @Override
        public void close() {}
    }
}
