package io.palisade.common.aws;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ObjectOwnership;
import software.amazon.awssdk.services.s3.model.OwnershipControlsRule;
import software.amazon.awssdk.services.s3.model.PublicAccessBlockConfiguration;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * A bucket Security Hub accepts: versioned, encrypted by default, every public access
 * blocked, ACLs disabled (object ownership {@code BucketOwnerEnforced}, set explicitly rather
 * than left to the default of buckets made since April 2023, so a bucket made before or changed
 * by hand is seen), and a given policy (which must deny non-TLS access). {@link #plan} reads each
 * setting and plans a change only where it differs, so re-applying changes nothing.
 */
public final class BucketBaseline {
    private static final PublicAccessBlockConfiguration BLOCK_ALL = PublicAccessBlockConfiguration.builder()
            .blockPublicAcls(true).ignorePublicAcls(true).blockPublicPolicy(true).restrictPublicBuckets(true).build();

    /** ACLs disabled: the bucket owner owns every object, access is by policy only (Security Hub S3.12). */
    public static final ObjectOwnership OWNERSHIP = ObjectOwnership.BUCKET_OWNER_ENFORCED;

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

    /** Plans and applies at once. @throws io.palisade.common.errors.PolicyTooLargeException before any call */
    public void ensure(String bucket, JsonNode policy) {
        plan(null, bucket, policy).apply();
    }

    /**
     * Reads the bucket and plans what differs: a missing bucket is one {@code +} (made with every
     * setting); an existing one gets a {@code ~} per setting that differs. Changes nothing.
     *
     * @param account the account the bucket is in, for the changes' names; may be {@code null}
     * @throws io.palisade.common.errors.PolicyTooLargeException before any call, if S3 would refuse the policy
     */
    public Plan plan(Change.Account account, String bucket, JsonNode policy) {
        PolicyLimits.require(PolicyLimits.Kind.S3_BUCKET, "bucket " + bucket, policy);
        Plan plan = new Plan();
        Runnable versioning = () -> s3.putBucketVersioning(r -> r.bucket(bucket)
                .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        Runnable encryption = () -> s3.putBucketEncryption(r -> r.bucket(bucket).serverSideEncryptionConfiguration(
                c -> c.rules(rule -> rule.applyServerSideEncryptionByDefault(
                        d -> d.sseAlgorithm(ServerSideEncryption.AES256)))));
        Runnable block = () -> s3.putPublicAccessBlock(r -> r.bucket(bucket).publicAccessBlockConfiguration(BLOCK_ALL));
        Runnable putPolicy = () -> s3.putBucketPolicy(r -> r.bucket(bucket).policy(Json.write(policy)));
        Runnable ownership = () -> s3.putBucketOwnershipControls(r -> r.bucket(bucket)
                .ownershipControls(c -> c.rules(OwnershipControlsRule.builder().objectOwnership(OWNERSHIP).build())));
        if (!exists(bucket)) {
            Change create = new Change(account, "s3:bucket", bucket, null, null, null, Change.Action.CREATE);
            plan.add(create, () -> {
                // BucketAlreadyOwnedByYou after a lost answer: done (a name another account owns stays an error)
                ChangeExecutor.create(create, () -> s3.createBucket(r -> {
                    r.bucket(bucket);
                    if (!Region.US_EAST_1.equals(region)) {
                        r.createBucketConfiguration(c -> c.locationConstraint(region.id()));
                    }
                }));
                ownership.run();
                versioning.run();
                encryption.run();
                block.run();
                putPolicy.run();
            });
            return plan;
        }
        String owned = objectOwnership(bucket);
        if (!OWNERSHIP.toString().equals(owned)) {
            plan.add(update(account, bucket, "objectOwnership", OWNERSHIP.toString(), owned), ownership);
        }
        BucketVersioningStatus status = s3.getBucketVersioning(r -> r.bucket(bucket)).status();
        if (status != BucketVersioningStatus.ENABLED) {
            plan.add(update(account, bucket, "versioning", BucketVersioningStatus.ENABLED.toString(),
                    status == null ? null : status.toString()), versioning);
        }
        if (!encrypted(bucket)) {
            plan.add(update(account, bucket, "encryption", ServerSideEncryption.AES256.toString(), null), encryption);
        }
        PublicAccessBlockConfiguration have = publicAccessBlock(bucket);
        if (!BLOCK_ALL.equals(have)) {
            plan.add(update(account, bucket, "publicAccessBlock", shown(BLOCK_ALL), have == null ? null : shown(have)),
                    block);
        }
        JsonNode current = currentPolicy(bucket);
        if (!policy.equals(current)) {
            plan.add(update(account, bucket, "policy", policy, current), putPolicy);
        }
        return plan;
    }

    private static Change update(Change.Account account, String bucket, String attribute, Object expected,
                                 Object actual) {
        return new Change(account, "s3:bucket", bucket, attribute, expected, actual, Change.Action.UPDATE);
    }

    private static Map<String, Boolean> shown(PublicAccessBlockConfiguration block) {
        Map<String, Boolean> shown = new java.util.LinkedHashMap<>();
        shown.put("blockPublicAcls", block.blockPublicAcls());
        shown.put("ignorePublicAcls", block.ignorePublicAcls());
        shown.put("blockPublicPolicy", block.blockPublicPolicy());
        shown.put("restrictPublicBuckets", block.restrictPublicBuckets());
        return shown;
    }

    /** Whether the bucket exists (and this account may see it). */
    public boolean exists(String bucket) {
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

    /** The bucket's object ownership setting, or {@code null} when it has none (OwnershipControlsNotFoundError). */
    private String objectOwnership(String bucket) {
        try {
            return s3.getBucketOwnershipControls(r -> r.bucket(bucket)).ownershipControls().rules().stream()
                    .map(OwnershipControlsRule::objectOwnershipAsString).findFirst().orElse(null);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
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
