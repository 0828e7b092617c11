package io.palisade.common.aws;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.PublicAccessBlockConfiguration;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * A bucket Security Hub accepts: versioned, encrypted by default, every public access
 * blocked, and a given policy (which must deny non-TLS access). Each setting is read first
 * and written only when it differs, so re-applying changes nothing.
 */
public final class BucketBaseline {
    private static final PublicAccessBlockConfiguration BLOCK_ALL = PublicAccessBlockConfiguration.builder()
            .blockPublicAcls(true).ignorePublicAcls(true).blockPublicPolicy(true).restrictPublicBuckets(true).build();

    private final S3Client s3;
    private final Region region;

    public BucketBaseline(S3Client s3, Region region) {
        this.s3 = s3;
        this.region = region;
    }

    /** The statement every Palisade bucket carries (CIS / Security Hub S3.5). */
    public static Map<String, Object> denyInsecureTransport(String bucketArn) {
        return Map.of("Sid", "DenyInsecureTransport",
                "Effect", "Deny",
                "Principal", "*",
                "Action", "s3:*",
                "Resource", List.of(bucketArn, bucketArn + "/*"),
                "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")));
    }

    /** @throws io.palisade.common.errors.PolicyTooLargeException before any call, if S3 would refuse the policy */
    public void ensure(String bucket, JsonNode policy) {
        PolicyLimits.require(PolicyLimits.Kind.S3_BUCKET, "bucket " + bucket, policy);
        if (!exists(bucket)) {
            // BucketAlreadyOwnedByYou after a lost answer: done (a name another account owns stays an error)
            ChangeExecutor.create("s3:bucket", bucket, () -> s3.createBucket(r -> {
                r.bucket(bucket);
                if (!Region.US_EAST_1.equals(region)) {
                    r.createBucketConfiguration(c -> c.locationConstraint(region.id()));
                }
            }));
        }
        if (s3.getBucketVersioning(r -> r.bucket(bucket)).status() != BucketVersioningStatus.ENABLED) {
            s3.putBucketVersioning(r -> r.bucket(bucket)
                    .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        }
        if (!encrypted(bucket)) {
            s3.putBucketEncryption(r -> r.bucket(bucket).serverSideEncryptionConfiguration(c -> c.rules(rule -> rule
                    .applyServerSideEncryptionByDefault(d -> d.sseAlgorithm(ServerSideEncryption.AES256)))));
        }
        if (!BLOCK_ALL.equals(publicAccessBlock(bucket))) {
            s3.putPublicAccessBlock(r -> r.bucket(bucket).publicAccessBlockConfiguration(BLOCK_ALL));
        }
        if (!policy.equals(currentPolicy(bucket))) {
            s3.putBucketPolicy(r -> r.bucket(bucket).policy(Json.write(policy)));
        }
    }

    private boolean exists(String bucket) {
        try {
            s3.headBucket(r -> r.bucket(bucket));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private boolean encrypted(String bucket) {
        try {
            return s3.getBucketEncryption(r -> r.bucket(bucket)).serverSideEncryptionConfiguration().rules().stream()
                    .anyMatch(rule -> rule.applyServerSideEncryptionByDefault() != null);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private PublicAccessBlockConfiguration publicAccessBlock(String bucket) {
        try {
            return s3.getPublicAccessBlock(r -> r.bucket(bucket)).publicAccessBlockConfiguration();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    private JsonNode currentPolicy(String bucket) {
        try {
            return Json.read(s3.getBucketPolicy(r -> r.bucket(bucket)).policy(), JsonNode.class);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw e;
        }
    }
}
