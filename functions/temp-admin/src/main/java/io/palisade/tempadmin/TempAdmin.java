package io.palisade.tempadmin;

import io.palisade.common.aws.OrganizationAccess;
import io.palisade.common.aws.Parallel;
import io.palisade.common.Names;
import io.palisade.common.Json;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.aws.TempAdminRemoval;
import io.palisade.common.policy.PolicyDocument;
import io.palisade.common.errors.LockLostException;
import io.palisade.common.state.StateStore;
import software.amazon.awssdk.services.s3.S3Client;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.errors.TempAdminNotReadyException;
import io.palisade.common.errors.TransientAwsException;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.User;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Creates the run's short-lived bootstrap identity: a user in the identity account that may do
 * nothing but assume {@value Names#BOOTSTRAP_ROLE} in each account, that role (trusted
 * by exactly that user), and an access key that is written only to Secrets Manager. The payload
 * carries the secret's ARN, never the key. Safe to run again: an existing key that matches the
 * secret is reused; a stray key (from a run that died) is deleted.
 */
public final class TempAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(TempAdmin.class);

    private final Clients clients;
    private final SecretsManagerClient secrets;
    private final List<String> secretReaders;

    /**
     * @param secretReaders role ARNs (the phases that act as the temp-admin) allowed to read the
     *     secret; everyone else is denied by the secret's resource policy. Empty: no resource policy.
     */
    public TempAdmin(Clients clients, SecretsManagerClient secrets, List<String> secretReaders) {
        this.clients = clients;
        this.secrets = secrets;
        this.secretReaders = secretReaders;
    }

    /**
     * Creates the temp-admin, then proves this run still holds the lock. A stopped execution's
     * Lambda runs on: if the status-change cleanup (or a later run) took over meanwhile, what
     * this invocation made would outlive the run, so it removes it again and fails.
     */
    public RunState.TempAdmin apply(RunState input) {
        RunState.TempAdmin made;
        try {
            made = create(input);
        } catch (RuntimeException e) {
            fenceAfterFailure(input);
            throw e;
        }
        if (!holdsLock(input)) {
            removeWhatWasMade(input);
            throw new LockLostException("Run " + input.runId() + " no longer holds the lock (its execution ended "
                    + "and was cleaned up): removed the temp-admin it had just made");
        }
        return made;
    }

    private void fenceAfterFailure(RunState input) {
        try {
            if (!holdsLock(input)) {
                removeWhatWasMade(input);
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not check the lock after a failure: {}", e.getMessage());
        }
    }

    /** Whether the state record's lock is this run's; true when there is no record to ask. */
    boolean holdsLock(RunState input) {
        if (input.state() == null) {
            return true;
        }
        String account = input.state().accountId();
        // the state bucket is in the identity account, never the management account
        var creds = OrganizationAccess.memberAccounts(clients).in(account);
        Clients home = clients.inHomeRegion(input.config()); // where the state bucket is
        S3Client s3 = home.cached("s3|" + account + "|org", () -> home.s3(creds));
        return new StateStore(s3, input.state().bucket()).read()
                .map(v -> v.record().lock() != null && input.runId().equals(v.record().lock().runId()))
                .orElse(true);
    }

    private void removeWhatWasMade(RunState input) {
        java.util.Map<String, String> accounts = new java.util.LinkedHashMap<>();
        input.org().targets().forEach(t -> accounts.put(t.key(), t.accountId()));
        new TempAdminRemoval(this::iamIn, secrets).remove(accounts).requireComplete();
    }

    /** The run this invocation works for (tags the secret and the bootstrap roles). */
    private String run;

    private RunState.TempAdmin create(RunState input) {
        clients.calls().drain();
        run = input.runId();
        RunState.Org org = input.org();
        String identity = org.identity().accountId();
        management = org.managementAccountId();
        IamClient iam = iamIn(identity);

        User user = ensureUser(iam, input.runId());
        iam.putUserPolicy(r -> r.userName(user.userName()).policyName(Names.TEMP_ADMIN_USER_POLICY)
                .policyDocument(Json.write(userPolicy(org.organizationId()))));
        // a key another run made is never reused: a run that took the lock of an ended execution,
        // or found a temp-admin a failed cleanup left, replaces every key (a retry of this phase
        // within the same run keeps its own)
        boolean rotate = !madeBy(user, input.runId());
        if (rotate) {
            iam.tagUser(r -> r.userName(user.userName()).tags(t -> t.key(Names.RUN_TAG).value(input.runId())));
        }
        String secretArn = ensureKey(iam, keyMakerIn(identity), user, rotate);

        // no bootstrap role in the management account: nothing there is trusted by an identity in
        // InfoSec; its baseline is applied by the phases' own, scoped roles
        List<RunState.Target> members = org.targets().stream()
                .filter(t -> !t.accountId().equals(management)).toList();
        // each account's own IAM, a few accounts at a time
        Parallel.map(members, target -> {
            ensureBootstrapRole(target, user.arn());
            return target;
        });
        waitUntilUsable(secretArn, members);
        LOG.info("Temp-admin {} ready in {} member accounts", user.arn(), members.size());
        return new RunState.TempAdmin(user.userName(), user.arn(), secretArn, Names.BOOTSTRAP_ROLE,
                clients.calls().drain());
    }

    /** IAM in an account as the management account: its own role there, the access role elsewhere. */
    IamClient iamIn(String accountId) {
        var creds = credentialsIn(accountId);
        return clients.cached("iam|" + accountId + "|org", () -> clients.build(IamClient.builder(), creds));
    }

    /** The same, for CreateAccessKey only: never repeated by the SDK (a lost answer would leave a second key). */
    private IamClient keyMakerIn(String accountId) {
        var creds = credentialsIn(accountId);
        return clients.cached("iam|" + accountId + "|org|once",
                () -> clients.buildWithoutRetries(IamClient.builder(), creds));
    }

    private software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentialsIn(String accountId) {
        return OrganizationAccess.organizationAccess(clients, management).in(accountId);
    }

    private String management;

    private User ensureUser(IamClient iam, String runId) {
        try {
            return iam.getUser(r -> r.userName(Names.TEMP_ADMIN_USER)).user();
        } catch (NoSuchEntityException e) {
            return ChangeExecutor.create("iam:user", Names.TEMP_ADMIN_USER,
                    () -> iam.createUser(r -> r.userName(Names.TEMP_ADMIN_USER).path(Names.IAM_PATH)
                            .tags(t -> t.key(Names.RUN_TAG).value(runId))).user(),
                    () -> iam.getUser(r -> r.userName(Names.TEMP_ADMIN_USER)).user());
        }
    }

    /**
     * Only {@value Names#BOOTSTRAP_ROLE}, in accounts of this organization. IAM allows
     * 2,048 characters for a user's inline policies: one role ARN per account (~50 each) broke at
     * about 30 accounts, so the role is named in any account and {@code aws:ResourceOrgID} (the
     * organization of the account that owns the role) keeps it to the organization. The roles it
     * can actually assume are the same: a role is assumable only if its trust also names this
     * user, and only {@link #ensureBootstrapRole} writes that trust. The same size at any number
     * of accounts; checked against the limit all the same.
     */
    Map<String, Object> userPolicy(String organizationId) {
        if (organizationId == null || !organizationId.startsWith("o-")) {
            throw new IllegalStateException("The run's organization id is unknown (" + organizationId
                    + "): the temp-admin may assume the bootstrap role only in the organization's accounts");
        }
        Map<String, Object> policy = Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Sid", "AssumeBootstrapRoleOnly", "Effect", "Allow", "Action", "sts:AssumeRole",
                "Resource", Names.roleArn(clients.partition(), "*", Names.BOOTSTRAP_ROLE),
                "Condition", Map.of("StringEquals", Map.of("aws:ResourceOrgID", organizationId)))));
        PolicyLimits.require(PolicyLimits.Kind.IAM_USER_INLINE, "user " + Names.TEMP_ADMIN_USER, policy);
        return policy;
    }

    /** Reuses the key the secret holds if IAM still has it; otherwise replaces every key. */
    /** @param rotate replace every key, even one the secret holds (it was made by another run) */
    private String ensureKey(IamClient iam, IamClient keyMaker, User user, boolean rotate) {
        List<AccessKeyMetadata> keys = iam.listAccessKeys(r -> r.userName(user.userName())).accessKeyMetadata();
        Optional<String> secretArn = describeSecret();
        if (secretArn.isPresent() && !rotate) {
            var stored = Json.read(secrets.getSecretValue(r -> r.secretId(Names.TEMP_ADMIN_SECRET)).secretString(),
                    TempAdminSession.AccessKey.class);
            if (keys.stream().anyMatch(k -> k.accessKeyId().equals(stored.accessKeyId()))) {
                for (AccessKeyMetadata k : keys) {
                    if (!k.accessKeyId().equals(stored.accessKeyId())) {
                        deleteKey(iam, user, k.accessKeyId());
                    }
                }
                return secretArn.get();
            }
        }
        // a key the secret does not hold is unusable by anyone but whoever has its secret part:
        // one a lost CreateAccessKey answer (or a run that died) left behind is deleted first
        for (AccessKeyMetadata k : keys) {
            deleteKey(iam, user, k.accessKeyId());
        }
        var created = keyMaker.createAccessKey(r -> r.userName(user.userName())).accessKey();
        String value = Json.write(new TempAdminSession.AccessKey(created.accessKeyId(), created.secretAccessKey()));
        String arn;
        if (secretArn.isPresent()) {
            secrets.putSecretValue(r -> r.secretId(Names.TEMP_ADMIN_SECRET).secretString(value));
            arn = secretArn.get();
        } else {
            // CreateSecret carries an idempotency token the SDK reuses on its retries; across
            // attempts, "already exists" means a lost answer: then the value is put instead
            arn = ChangeExecutor.create("secretsmanager:secret", Names.TEMP_ADMIN_SECRET,
                    () -> secrets.createSecret(r -> r.name(Names.TEMP_ADMIN_SECRET)
                            .description("Palisade temp-admin access key; deleted at the end of every run")
                            .secretString(value)
                            .tags(t -> t.key(Names.MANAGED_TAG).value("true"),
                                    t -> t.key(Names.RUN_TAG).value(run))).arn(),
                    () -> secrets.putSecretValue(r -> r.secretId(Names.TEMP_ADMIN_SECRET).secretString(value)).arn());
        }
        if (!secretReaders.isEmpty()) {
            secrets.putResourcePolicy(r -> r.secretId(arn).resourcePolicy(Json.write(secretPolicy())));
        }
        // the secret carries the run that holds it: a cleanup of an earlier run leaves it alone
        secrets.tagResource(r -> r.secretId(arn).tags(t -> t.key(Names.RUN_TAG).value(run)));
        return arn;
    }

    private static boolean madeBy(User user, String runId) {
        return user.hasTags()
                && user.tags().stream().anyMatch(t -> Names.RUN_TAG.equals(t.key()) && runId.equals(t.value()));
    }

    private static void deleteKey(IamClient iam, User user, String keyId) {
        ChangeExecutor.remove("iam:access-key", keyId,
                () -> iam.deleteAccessKey(r -> r.userName(user.userName()).accessKeyId(keyId)));
    }

    Map<String, Object> secretPolicy() {
        return Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Sid", "OnlyTheBootstrapPhasesRead",
                "Effect", "Deny",
                "Principal", "*",
                "Action", "secretsmanager:GetSecretValue",
                "Resource", "*",
                "Condition", Map.of("StringNotLike", Map.of("aws:PrincipalArn", secretReaders)))));
    }

    private Optional<String> describeSecret() {
        try {
            return Optional.of(secrets.describeSecret(r -> r.secretId(Names.TEMP_ADMIN_SECRET)).arn());
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        }
    }

    private void ensureBootstrapRole(RunState.Target target, String userArn) {
        IamClient iam = iamIn(target.accountId());
        String trust = Json.write(trustPolicy(userArn));
        Role role;
        try {
            role = iam.getRole(r -> r.roleName(Names.BOOTSTRAP_ROLE)).role();
            if (!PolicyDocument.equivalent(role.assumeRolePolicyDocument(), trustPolicy(userArn))) {
                iam.updateAssumeRolePolicy(r -> r.roleName(Names.BOOTSTRAP_ROLE).policyDocument(trust));
            }
        } catch (NoSuchEntityException e) {
            try {
                if (ChangeExecutor.create("iam:role", Names.BOOTSTRAP_ROLE,
                        () -> iam.createRole(r -> r.roleName(Names.BOOTSTRAP_ROLE)
                                .assumeRolePolicyDocument(trust).maxSessionDuration(3600)
                                .description("Palisade bootstrap role: assumable only by the temp-admin, "
                                        + "only during a run")
                                .tags(t -> t.key(Names.MANAGED_TAG).value("true"),
                                        t -> t.key(Names.RUN_TAG).value(run))))
                        == ChangeExecutor.Outcome.ALREADY_DONE) {
                    // a lost answer: the role exists; its trust is made exactly this user's
                    iam.updateAssumeRolePolicy(r -> r.roleName(Names.BOOTSTRAP_ROLE).policyDocument(trust));
                }
            } catch (software.amazon.awssdk.services.iam.model.MalformedPolicyDocumentException notYet) {
                // IAM has not propagated the new user yet: the state machine retries with backoff
                throw new TempAdminNotReadyException("IAM does not know " + userArn + " yet in account "
                        + target.accountId(), notYet);
            }
        }
        iam.putRolePolicy(r -> r.roleName(Names.BOOTSTRAP_ROLE).policyName(Names.BOOTSTRAP_ROLE_POLICY)
                .policyDocument(Json.write(baselinePolicy())));
        // the role carries the run that uses it: a cleanup of an earlier run leaves it alone
        iam.tagRole(r -> r.roleName(Names.BOOTSTRAP_ROLE).tags(t -> t.key(Names.RUN_TAG).value(run)));
    }

    static Map<String, Object> trustPolicy(String userArn) {
        return Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Effect", "Allow", "Principal", Map.of("AWS", userArn), "Action", "sts:AssumeRole")));
    }

    /** What the baseline phases do inside an account, by service; nothing else. */
    static Map<String, Object> baselinePolicy() {
        return Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Sid", "PalisadeBaseline", "Effect", "Allow",
                "Action", List.of("iam:*", "s3:*", "cloudtrail:*", "kms:*", "logs:*", "cloudwatch:PutMetricAlarm",
                        "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms", "sns:*", "events:*",
                        // the organization's analyzer in the identity account (OrganizationAnalyzer); its
                        // service-linked role, which CreateAnalyzer makes, is in iam:*
                        "access-analyzer:GetAnalyzer", "access-analyzer:CreateAnalyzer",
                        "access-analyzer:DeleteAnalyzer",
                        "config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus",
                        "config:DescribeDeliveryChannels", "config:PutConfigurationRecorder",
                        "config:PutDeliveryChannel", "config:StartConfigurationRecorder",
                        // Security Hub (SecurityHubBaseline): each account's hub and standard, InfoSec's members
                        "securityhub:DescribeHub", "securityhub:EnableSecurityHub", "securityhub:GetEnabledStandards",
                        "securityhub:BatchEnableStandards", "securityhub:DescribeOrganizationConfiguration",
                        "securityhub:UpdateOrganizationConfiguration", "securityhub:ListMembers",
                        "securityhub:CreateMembers"),
                "Resource", "*")));
    }

    /**
     * New keys, trust and role policies take a moment to work: prove in each account that the
     * role can be assumed AND that its policy is in force, with a call the policy must allow
     * (reading the role itself). GetCallerIdentity would prove neither: it needs no permission.
     */
    private void waitUntilUsable(String secretArn, List<RunState.Target> targets) {
        TempAdminSession session = new TempAdminSession(clients, secrets);
        List<String> notReady = Parallel.map(targets, target -> {
            try {
                AwsCredentialsProvider creds = session.in(secretArn, target.accountId());
                IamClient iam = clients.cached("iam|" + target.accountId() + "|bootstrap", creds,
                        () -> clients.build(IamClient.builder(), creds));
                String arn = iam.getRole(r -> r.roleName(Names.BOOTSTRAP_ROLE)).role().arn();
                return arn.contains(":" + target.accountId() + ":") ? null : target.key();
            } catch (SdkException | TransientAwsException e) {
                session.forget(secretArn, target.accountId());
                return target.key() + " (" + e.getMessage() + ")";
            }
        }).stream().filter(java.util.Objects::nonNull).toList();
        if (!notReady.isEmpty()) {
            throw new TempAdminNotReadyException("The temp-admin cannot assume the bootstrap role yet in: " + notReady);
        }
    }
}
