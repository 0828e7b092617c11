package io.palisade.common.state;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.BucketBaseline;
import java.util.List;
import java.util.Map;

/**
 * The state bucket's policy, in one place: MigrateState makes the bucket with it, and
 * ApplyAccounts plans the bucket (drift included) against it, in the identity account.
 */
public final class StateBucket {
    /**
     * What {@value Names#AUDIT_ROLE} may do to the state bucket: read its settings, so that a plan
     * (or a drift run without repair) sees a drifted state bucket, and nothing else: not the
     * state record or the reports in it. {@code s3:ListBucket} is what HeadBucket (does it
     * exist?) is authorized by.
     */
    public static final List<String> AUDIT_READS = List.of("s3:ListBucket", "s3:GetBucketVersioning",
            "s3:GetEncryptionConfiguration", "s3:GetBucketPublicAccessBlock", "s3:GetBucketOwnershipControls",
            "s3:GetBucketPolicy", "s3:GetBucketLogging");

    private StateBucket() {}

    /**
     * TLS only; only the bootstrap principals (the identity account's access role, the bootstrap
     * role), and the read-only audit role for {@link #AUDIT_READS} alone.
     */
    public static JsonNode policy(String partition, String bucket, String identityAccountId) {
        String bucketArn = Names.bucketArn(partition, bucket);
        List<String> resources = List.of(bucketArn, bucketArn + "/*");
        String audit = Names.roleArn(partition, identityAccountId, Names.AUDIT_ROLE);
        return Json.MAPPER.valueToTree(Map.of(
                "Version", "2012-10-17",
                "Statement", List.of(
                        BucketBaseline.denyInsecureTransport(bucketArn),
                        Map.of("Sid", "DenyAllButBootstrapPrincipals",
                                "Effect", "Deny",
                                "Principal", "*",
                                "Action", "s3:*",
                                "Resource", resources,
                                "Condition", Map.of("ArnNotLike", Map.of("aws:PrincipalArn", List.of(
                                        Names.roleArn(partition, identityAccountId, Names.ORGANIZATION_ACCESS_ROLE),
                                        Names.roleArn(partition, identityAccountId, Names.BOOTSTRAP_ROLE),
                                        audit)))),
                        Map.of("Sid", "AuditRoleReadsSettingsOnly",
                                "Effect", "Deny",
                                "Principal", "*",
                                "NotAction", AUDIT_READS,
                                "Resource", resources,
                                "Condition", Map.of("ArnLike", Map.of("aws:PrincipalArn", audit))))));
    }
}
