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
        List<Problem> problems) {

    public AccountReport(String key, String accountId, String alias, List<Role> roles, List<Group> groups,
                         List<User> users, List<String> retired, Trail trail, String trailKeyArn,
                         String accessLogBucket, List<String> changes) {
        this(key, accountId, alias, roles, groups, users, retired, trail, trailKeyArn, accessLogBucket, changes,
                List.of());
    }

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
