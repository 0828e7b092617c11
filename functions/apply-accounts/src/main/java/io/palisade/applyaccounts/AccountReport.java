package io.palisade.applyaccounts;

import java.util.List;

/**
 * What one account's baseline is after the phase ran (as the config wants it), and the changes
 * that took it there ({@code changes} is empty when the account already matched the config).
 *
 * @param alias     the account alias, {@code null} for the management account (not aliased here)
 * @param groups    identity account only; empty elsewhere
 * @param users     identity account only; empty elsewhere
 * @param retired   identity account only: users that are no longer in the config but were still in
 *                  groups Palisade manages; they were removed from those groups, never deleted
 * @param trailKeyArn identity account only: the KMS key every trail encrypts with; {@code null} elsewhere
 * @param accessLogBucket identity account only: where the trail bucket's S3 access logs go
 * @param changes   each change, rendered as {@link io.palisade.common.aws.Change#render()} does
 *                  ({@code ~ cloudtrail:trail prod/palisade-trail logging: expected true actual false}):
 *                  the changes applied, or, for a task that only plans, the changes it would apply
 * @param problems  what could not be applied and needs the operator (e.g. a taken alias); the rest
 *                  of the account's baseline was applied
 * @param settings  the account-wide settings every account gets (password policy, S3 Block Public
 *                  Access for the account)
 * @param buckets   identity account only: Palisade's buckets there (trail, access-log, state), each
 *                  with its object ownership and where its access logs go; empty elsewhere
 */
public record AccountReport(
        String key,
        String accountId,
        String alias,
        List<Role> roles,
        List<Group> groups,
        List<User> users,
        List<String> retired,
        Trail trail,
        String trailKeyArn,
        String accessLogBucket,
        List<String> changes,
        List<Problem> problems,
        Settings settings,
        List<Bucket> buckets) {

    public AccountReport(String key, String accountId, String alias, List<Role> roles, List<Group> groups,
                         List<User> users, List<String> retired, Trail trail, String trailKeyArn,
                         String accessLogBucket, List<String> changes) {
        this(key, accountId, alias, roles, groups, users, retired, trail, trailKeyArn, accessLogBucket, changes,
                List.of());
    }

    public AccountReport(String key, String accountId, String alias, List<Role> roles, List<Group> groups,
                         List<User> users, List<String> retired, Trail trail, String trailKeyArn,
                         String accessLogBucket, List<String> changes, List<Problem> problems) {
        this(key, accountId, alias, roles, groups, users, retired, trail, trailKeyArn, accessLogBucket, changes,
                problems, null, List.of());
    }

    /**
     * The account-wide settings (CIS 1.8/1.9, 2.1.4).
     *
     * @param passwordPolicy          the IAM password policy the account has, as the config says it
     * @param publicAccessBlock       S3 Block Public Access for the whole account, each of its four settings
     */
    public record Settings(io.palisade.common.config.OrgConfig.PasswordPolicy passwordPolicy,
                           java.util.Map<String, Boolean> publicAccessBlock) {}

    /**
     * A bucket Palisade keeps in the identity account.
     *
     * @param objectOwnership {@code BucketOwnerEnforced}: ACLs disabled
     * @param accessLogs      {@code <bucket>/<prefix>} its S3 server access logs go to; {@code null} for the
     *                        access-log bucket itself
     */
    public record Bucket(String name, String objectOwnership, String accessLogs) {}

    /** A named error in the config's terms: {@code field} is the config path that fixes it. */
    public record Problem(String error, String field, String message) {}

    /** A human role; {@code trustedAccount} is the identity account whose users may assume it. */
    public record Role(String name, String arn, String policy, String trustedAccount, boolean mfaRequired) {}

    public record Group(String name, List<String> assumableRoleArns) {}

    public record User(String name, List<String> groups) {}

    /** {@code kmsKeyId} is the key ARN in the identity account, its alias ARN in the others. */
    public record Trail(String name, String arn, String bucket, boolean multiRegion, boolean logFileValidation,
                        boolean globalEvents, boolean logging, String kmsKeyId) {}
}
