package io.palisade.applyaccounts;

import io.palisade.common.Names;
import io.palisade.common.aws.AccountAccess;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.policy.PolicyDocument;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.BucketBaseline;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
import software.amazon.awssdk.services.cloudtrail.model.TrailNotFoundException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLoggingStatus;
import software.amazon.awssdk.services.s3.model.LoggingEnabled;

/**
 * Applies one account's baseline: its alias, the human roles the config gives it (trusting only
 * the identity account, with MFA), and a multi-region trail into the central bucket, encrypted
 * with the central KMS key; in the identity account also the password policy, groups, users,
 * that bucket (its S3 access logs going to a log bucket beside it) and that key.
 *
 * <p>Every setting is read first and written only where it differs, so applying an unchanged
 * config makes no changing call and a changed config converges. The identity account must be
 * applied before the others: it owns the bucket their trails deliver to and the key they use.
 */
public final class ApplyAccounts {
    static final int MAX_SESSION_SECONDS = 3600;
    /** Where in the access-log bucket the trail bucket's S3 server access logs go. */
    static final String ACCESS_LOG_PREFIX = "trail-bucket/";
    private static final int MAX_BUCKET_NAME = 63;
    private static final Logger LOG = LoggerFactory.getLogger(ApplyAccounts.class);

    private final Clients clients;
    private final Function<AccountTask, AccountAccess> access;

    /**
     * @param access how to act in a task's account: on AWS the temp-admin's bootstrap role in it
     *     ({@link AccountAccess#bootstrapRole})
     */
    public ApplyAccounts(Clients clients, Function<AccountTask, AccountAccess> access) {
        this.clients = clients;
        this.access = access;
    }

    public AccountReport apply(AccountTask task) {
        clients.calls().drain();
        OrgConfig config = task.config();
        // everything below acts in the organization's home region (IAM being global, there too)
        Clients clients = home(task);
        String key = task.target().key();
        String accountId = task.target().accountId();
        String identityId = accountIdOf(task, config.identityAccount());
        AwsCredentialsProvider credentials = access.apply(task).in(accountId);
        // per credentials: a warm container never reuses an earlier run's (deleted) temp-admin session
        IamClient iam = clients.cached("iam|" + accountId, credentials,
                () -> clients.build(IamClient.builder(), credentials));
        CloudTrailClient cloudTrail = clients.cached("cloudtrail|" + accountId, credentials,
                () -> clients.build(CloudTrailClient.builder(), credentials));
        String bucket = Names.trailBucket(config.organization().name(), identityId);
        String logBucket = Names.accessLogBucket(config.organization().name(), identityId);
        String keyAlias = TrailKey.aliasArn(clients.partition(), clients.region().id(), identityId);
        if (task.isIdentity()) {
            requireBucketName(bucket);
            requireBucketName(logBucket);
        }

        String wantedAlias = task.isManagement() ? null : config.aliasOf(key);
        String alias = wantedAlias == null ? null : ensureAlias(iam, wantedAlias);
        List<AccountReport.Problem> problems = new ArrayList<>();
        if (wantedAlias != null && alias == null) {
            problems.add(aliasTaken(config, key, wantedAlias));
            LOG.error("Account {}: {}", key, problems.get(0).message());
        }
        Directory.Result directory = Directory.Result.EMPTY;
        String keyArn = null;
        if (task.isIdentity()) {
            directory = new Directory(iam, clients.partition()).ensure(config, k -> accountIdOf(task, k));
            S3Client s3 = clients.cached("s3|" + accountId, credentials, () -> clients.s3(credentials));
            ensureTrailBucket(task, s3, bucket, logBucket, identityId);
            KmsClient kms = clients.cached("kms|" + accountId, credentials,
                    () -> clients.build(KmsClient.builder(), credentials));
            KmsClient keyMaker = clients.cached("kms|" + accountId + "|once", credentials,
                    () -> clients.buildWithoutRetries(KmsClient.builder(), credentials));
            keyArn = ensureTrailKey(task, kms, keyMaker, identityId);
        }
        List<AccountReport.Role> roles = ensureRoles(iam, config, key, identityId);
        // the members' tasks do not see the identity report: they name the key by its alias ARN
        AccountReport.Trail trail = ensureTrail(cloudTrail, bucket, keyArn == null ? keyAlias : keyArn, keyAlias,
                keyArn);

        List<String> changes = clients.calls().drain();
        LOG.info("Account {} ({}): {} changing calls", key, accountId, changes.size());
        return new AccountReport(key, accountId, alias, roles, directory.groups(), directory.users(),
                directory.retired(), trail, keyArn, task.isIdentity() ? logBucket : null, changes, problems);
    }

    /** These clients in the organization's home region: where the bucket, key and trails live. */
    private Clients home(AccountTask task) {
        return clients.inHomeRegion(task.config());
    }

    /** The id of the account with this config key ({@link OrgConfig#MANAGEMENT} included). */
    static String accountIdOf(AccountTask task, String key) {
        RunState.Org org = task.org();
        if (org.targets() != null) {
            for (RunState.Target t : org.targets()) {
                if (t.key().equals(key) && t.accountId() != null) {
                    return t.accountId();
                }
            }
        }
        if (OrgConfig.MANAGEMENT.equals(key)) {
            return org.managementAccountId();
        }
        if (key.equals(task.config().identityAccount()) && org.identity() != null) {
            return org.identity().accountId();
        }
        return org.account(key).id();
    }

    /** AWS allows one alias per account: a different one is deleted before the configured one is created. */
    private String ensureAlias(IamClient iam, String alias) {
        List<String> current = iam.listAccountAliases().accountAliases();
        if (!current.equals(List.of(alias))) {
            for (String old : current) {
                if (!old.equals(alias)) {
                    ChangeExecutor.remove("iam:account-alias", old, () -> iam.deleteAccountAlias(r -> r.accountAlias(old)));
                }
            }
            if (!current.contains(alias)
                    && ChangeExecutor.create("iam:account-alias", alias,
                            () -> iam.createAccountAlias(r -> r.accountAlias(alias))) == ChangeExecutor.Outcome.ALREADY_DONE
                    && !iam.listAccountAliases().accountAliases().contains(alias)) {
                // "already exists", and not because a lost answer of ours made it: aliases are unique
                // across all of AWS, and another account has this one
                return null;
            }
        }
        return alias;
    }

    /** The named problem a taken alias is: what it is, where to fix it. */
    static AccountReport.Problem aliasTaken(OrgConfig config, String key, String alias) {
        int index = 0;
        for (; index < config.accounts().size() && !config.accounts().get(index).key().equals(key); index++) {
            // find the account's position for the field path
        }
        return new AccountReport.Problem("AccountAliasTakenException", "accounts[" + index + "].alias",
                "The account alias '" + alias + "' of account '" + key + "' belongs to another AWS account "
                        + "(aliases are unique across AWS). Set accounts[" + index + "].alias to a free one, e.g. '"
                        + alias + "-" + Integer.toString(Math.abs(config.organization().name().hashCode()) % 1000)
                        + "', and run again. Everything else in this account was applied.");
    }

    private List<AccountReport.Role> ensureRoles(IamClient iam, OrgConfig config, String key, String identityId) {
        String partition = clients.partition();
        var trust = PolicyDocuments.roleTrust(partition, identityId);
        List<AccountReport.Role> roles = new ArrayList<>();
        for (String name : config.rolesIn(key)) {
            OrgConfig.RoleDef def = config.roles() == null ? null : config.roles().get(name);
            if (def == null) {
                throw new InvalidConfigException("roles." + name + ": account '" + key
                        + "' has this role but it is not defined under roles");
            }
            String policyArn = "arn:" + partition + ":iam::aws:policy/" + def.policy();
            Role role = findRole(iam, name);
            if (role == null) {
                role = ChangeExecutor.create("iam:role", name, () -> iam.createRole(r -> r.roleName(name)
                        .assumeRolePolicyDocument(Json.write(trust))
                        .maxSessionDuration(MAX_SESSION_SECONDS)
                        .description(def.description())
                        .tags(managedTag())).role(), () -> findRole(iam, name)); // a lost answer: read it
            } else {
                if (!PolicyDocument.equivalent(PolicyDocument.parse(role.assumeRolePolicyDocument()), trust)) {
                    iam.updateAssumeRolePolicy(r -> r.roleName(name).policyDocument(Json.write(trust)));
                }
                boolean descriptionDiffers = def.description() != null
                        && !def.description().equals(role.description());
                if (!Objects.equals(role.maxSessionDuration(), MAX_SESSION_SECONDS) || descriptionDiffers) {
                    iam.updateRole(r -> r.roleName(name).maxSessionDuration(MAX_SESSION_SECONDS)
                            .description(def.description()));
                }
            }
            List<String> attached = iam.listAttachedRolePoliciesPaginator(r -> r.roleName(name))
                    .attachedPolicies().stream().map(AttachedPolicy::policyArn).toList();
            if (!attached.contains(policyArn)) {
                iam.attachRolePolicy(r -> r.roleName(name).policyArn(policyArn));
            }
            for (String other : attached) {
                if (!other.equals(policyArn)) {
                    ChangeExecutor.remove("iam:role-policy-attachment", name + " " + other,
                            () -> iam.detachRolePolicy(r -> r.roleName(name).policyArn(other)));
                }
            }
            roles.add(new AccountReport.Role(name, role.arn(), policyArn, identityId, true));
        }
        return roles;
    }

    private static Role findRole(IamClient iam, String name) {
        try {
            return iam.getRole(r -> r.roleName(name)).role();
        } catch (NoSuchEntityException e) {
            return null;
        }
    }

    static Tag managedTag() {
        return Tag.builder().key(Names.MANAGED_TAG).value("true").build();
    }

    private static void requireBucketName(String bucket) {
        if (bucket.length() > MAX_BUCKET_NAME) {
            throw new InvalidConfigException("organization.name: the bucket name " + bucket + " would be longer than "
                    + MAX_BUCKET_NAME + " characters; use a shorter organization name");
        }
    }

    private static List<String> accountIds(AccountTask task) {
        return task.org().targets().stream().map(RunState.Target::accountId).distinct().toList();
    }

    /** The trail bucket, its server access logs (CIS 3.6) into a log bucket beside it. */
    private void ensureTrailBucket(AccountTask task, S3Client s3, String bucket, String logBucket,
                                   String identityId) {
        String partition = clients.partition();
        BucketBaseline baseline = new BucketBaseline(s3, home(task).region());
        baseline.ensure(logBucket, Json.MAPPER.valueToTree(PolicyDocuments.accessLogBucketPolicy(partition,
                logBucket, bucket, ACCESS_LOG_PREFIX, identityId)));
        baseline.ensure(bucket, Json.MAPPER.valueToTree(PolicyDocuments.trailBucketPolicy(partition,
                home(task).region().id(), bucket, accountIds(task), Names.TRAIL)));
        LoggingEnabled wanted = LoggingEnabled.builder().targetBucket(logBucket).targetPrefix(ACCESS_LOG_PREFIX)
                .build();
        if (!loggingMatches(s3.getBucketLogging(r -> r.bucket(bucket)).loggingEnabled(), wanted)) {
            s3.putBucketLogging(r -> r.bucket(bucket)
                    .bucketLoggingStatus(BucketLoggingStatus.builder().loggingEnabled(wanted).build()));
        }
    }

    /** Target bucket and prefix only: grants and the key format are left as they are. */
    static boolean loggingMatches(LoggingEnabled current, LoggingEnabled wanted) {
        return current != null
                && wanted.targetBucket().equals(current.targetBucket())
                && wanted.targetPrefix().equals(current.targetPrefix());
    }

    /** The trails' KMS key, allowing every account's trail; returns its ARN. */
    private String ensureTrailKey(AccountTask task, KmsClient kms, KmsClient keyMaker, String identityId) {
        JsonNode policy = Json.MAPPER.valueToTree(PolicyDocuments.trailKeyPolicy(clients.partition(),
                home(task).region().id(), identityId, accountIds(task), Names.TRAIL));
        return new TrailKey(kms, keyMaker).ensure(policy);
    }

    /**
     * @param kmsKeyId what the trail is set to: the key ARN where known, else its alias ARN
     * @param keyArn   the key ARN, {@code null} outside the identity account
     */
    private AccountReport.Trail ensureTrail(CloudTrailClient cloudTrail, String bucket, String kmsKeyId,
                                            String keyAlias, String keyArn) {
        Trail current = findTrail(cloudTrail);
        String arn;
        if (current == null) {
            // a lost answer: the trail exists, and is read and compared below like any other
            current = ChangeExecutor.create("cloudtrail:trail", Names.TRAIL, () -> {
                cloudTrail.createTrail(r -> r.name(Names.TRAIL)
                        .s3BucketName(bucket)
                        .isMultiRegionTrail(true)
                        .enableLogFileValidation(true)
                        .includeGlobalServiceEvents(true)
                        .kmsKeyId(kmsKeyId)
                        .tagsList(t -> t.key(Names.MANAGED_TAG).value("true")));
                return null;
            }, () -> findTrail(cloudTrail));
        }
        if (current == null) {
            arn = findTrail(cloudTrail).trailARN();
        } else {
            arn = current.trailARN();
            if (!trailMatches(current, bucket) || !TrailKey.designates(current.kmsKeyId(), keyAlias, keyArn)) {
                // only the settings Palisade owns: a CloudWatch Logs delivery set by another phase stays
                boolean clearPrefix = current.s3KeyPrefix() != null && !current.s3KeyPrefix().isEmpty();
                cloudTrail.updateTrail(r -> {
                    r.name(Names.TRAIL)
                            .s3BucketName(bucket)
                            .isMultiRegionTrail(true)
                            .enableLogFileValidation(true)
                            .includeGlobalServiceEvents(true)
                            .kmsKeyId(kmsKeyId);
                    if (clearPrefix) {
                        // the bucket policy lets each account write only under AWSLogs/<accountId>/
                        r.s3KeyPrefix("");
                    }
                });
            }
        }
        if (!Boolean.TRUE.equals(cloudTrail.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging())) {
            cloudTrail.startLogging(r -> r.name(Names.TRAIL));
        }
        return new AccountReport.Trail(Names.TRAIL, arn, bucket, true, true, true, true, kmsKeyId);
    }

    static boolean trailMatches(Trail trail, String bucket) {
        return bucket.equals(trail.s3BucketName())
                && (trail.s3KeyPrefix() == null || trail.s3KeyPrefix().isEmpty())
                && Boolean.TRUE.equals(trail.isMultiRegionTrail())
                && Boolean.TRUE.equals(trail.logFileValidationEnabled())
                && Boolean.TRUE.equals(trail.includeGlobalServiceEvents());
    }

    private static Trail findTrail(CloudTrailClient cloudTrail) {
        try {
            return cloudTrail.getTrail(r -> r.name(Names.TRAIL)).trail();
        } catch (TrailNotFoundException e) {
            return null;
        }
    }
}
