package io.palisade.migratestate;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.aws.TempAdminSession;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** The state bucket's policy: TLS only, the bootstrap principals only; its size does not depend on the accounts. */
class StatePolicyTest {

    @Test
    void statePolicy_whenBuilt_isTlsOnlyAndDeniesAllButTheBootstrapPrincipals() {
        MigrateState phase = new MigrateState(new Clients(Region.EU_WEST_1, null, null, null), null, arn -> "RUNNING");

        JsonNode policy = phase.statePolicy("palisade-state-483920175013", "483920175013");

        assertThat(policy.findValuesAsText("Sid")).containsExactlyInAnyOrder("DenyInsecureTransport",
                "DenyAllButBootstrapPrincipals", "AuditRoleReadsSettingsOnly");
        assertThat(policy.findValuesAsText("Effect")).containsOnly("Deny");
        JsonNode others = policy.path("Statement").get(1);
        assertThat(others.at("/Condition/ArnNotLike/aws:PrincipalArn")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("arn:aws:iam::483920175013:role/" + Names.ORGANIZATION_ACCESS_ROLE,
                        "arn:aws:iam::483920175013:role/" + Names.BOOTSTRAP_ROLE,
                        "arn:aws:iam::483920175013:role/" + Names.AUDIT_ROLE);
        // the audit role (a plan's) reads the bucket's settings, never the state record or a report
        JsonNode audit = policy.path("Statement").get(2);
        assertThat(audit.at("/Condition/ArnLike/aws:PrincipalArn").asText())
                .isEqualTo("arn:aws:iam::483920175013:role/" + Names.AUDIT_ROLE);
        assertThat(audit.path("NotAction")).extracting(JsonNode::asText)
                .contains("s3:GetBucketLogging", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy")
                .allMatch(a -> a.startsWith("s3:GetBucket") || a.equals("s3:ListBucket")
                        || a.equals("s3:GetEncryptionConfiguration"))
                .doesNotContain("s3:GetObject", "s3:*");
        assertThat(audit.path("Resource")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
                "arn:aws:s3:::palisade-state-483920175013", "arn:aws:s3:::palisade-state-483920175013/*");
        int size = PolicyLimits.require(PolicyLimits.Kind.S3_BUCKET, "state bucket", policy);
        System.out.printf("policy-size accounts=any %-40s %6d / %6d bytes%n", "state bucket policy", size,
                PolicyLimits.Kind.S3_BUCKET.limit());
    }
}
