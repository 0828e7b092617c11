package io.palisade.applyaccounts;

import io.palisade.common.Names;
import io.palisade.common.aws.AbsentAccount;
import io.palisade.common.aws.AccountAccess;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Plan;
import io.palisade.common.policy.PolicyDocument;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.BucketBaseline;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.state.StateBucket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.accessanalyzer.AccessAnalyzerClient;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
import software.amazon.awssdk.services.cloudtrail.model.TrailNotFoundException;
import software.amazon.awssdk.services.config.ConfigClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLoggingStatus;
import software.amazon.awssdk.services.s3.model.LoggingEnabled;
import software.amazon.awssdk.services.s3control.S3ControlClient;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;

/**
 * Applies one account's baseline: its alias, the password policy and S3 Block Public Access for
 * the whole account ({@link AccountSettings}), the human roles the config gives it (trusting only
 * the identity account, with MFA), and a multi-region trail into the central bucket, encrypted
 * with the central KMS key; in the identity account also the groups, users, that bucket and the
 * state bucket (their S3 access logs going to a log bucket beside them), that key and the
 * organization's IAM Access Analyzer ({@link OrganizationAnalyzer}).
 *
 * <p>{@link #plan} only reads: it returns one typed change per difference between the config and
 * the account ({@code + iam:role prod/Developer}, {@code ~ cloudtrail:trail prod/palisade-trail
 * logging: expected true actual false}, {@code - iam:group-membership infosec/InfosecAdmins
 * Mallory}), each with the call that makes it. {@link #apply} applies that plan, so an unchanged
 * config makes no changing call and a changed config converges; {@link #planReport} reports it
 * without applying (modes {@code plan}, and {@code drift} without repair). The identity account must be
 * applied before the others: it owns the bucket their trails deliver to and the key they use.
 */
public final class ApplyAccounts {
    static final int MAX_SESSION_SECONDS = 3600;
    /** Where in the access-log bucket the trail bucket's S3 server access logs go. */
    static final String ACCESS_LOG_PREFIX = "trail-bucket/";
    /** Where in the access-log bucket the state bucket's S3 server access logs go. */
    static final String STATE_ACCESS_LOG_PREFIX = "state-bucket/";
    /** Where in the access-log bucket the config bucket's S3 server access logs go. */
    static final String CONFIG_ACCESS_LOG_PREFIX = "config-bucket/";
    private static final int MAX_BUCKET_NAME = 63;
    /** An account id's length, for names checked before the id is known. */
    private static final String ID_SHAPE = "000000000000";
    private static final Logger LOG = LoggerFactory.getLogger(ApplyAccounts.class);

    private final Clients clients;
    private final Function<AccountTask, AccountAccess> access;
    /** The management account's roles {@value Names#AUDIT_ROLE} trusts (names, or ARNs); none: it is not planned. */
    private final List<String> auditors;

    /**
     * @param access how to act in a task's account: on AWS the temp-admin's bootstrap role in it
     *     for a task that may change it, the read-only audit role for a plan-only one
     *     ({@link io.palisade.common.aws.AuditAccess#forTask})
     */
    public ApplyAccounts(Clients clients, Function<AccountTask, AccountAccess> access) {
        this(clients, access, List.of());
    }

    /**
     * @param auditors the roles of the management account that the audit role in each member
     *     account trusts (the ApplyAccounts and RootLoginAlarms function roles,
     *     {@code PALISADE_AUDITORS}), by name (an ARN is taken as it is); empty: no audit role is
     *     planned
     */
    public ApplyAccounts(Clients clients, Function<AccountTask, AccountAccess> access, List<String> auditors) {
        this.clients = clients;
        this.access = access;
        this.auditors = List.copyOf(auditors);
    }

    /** What planning one account found: the plan, and the desired state the report shows. */
    private record Planned(Plan plan, String key, String accountId, String wantedAlias, boolean aliasPlanned,
                           Directory.Result directory, List<AccountReport.Role> roles, TrailKey.Ref trailKey,
                           String trailArn, String bucket, Supplier<String> kmsKeyId, String logBucket,
                           IamClient iam, AccountReport.Settings settings, List<AccountReport.Bucket> buckets) {}

    /**
     * Reads the account (with whatever credentials the injected access gives) and returns one
     * change per difference between the config and it; changes nothing. A resource that does
     * not exist is planned as {@code +} with everything under it: a fresh account plans
     * everything as {@code +}.
     */
    public Plan plan(AccountTask task) {
        return planned(task).plan();
    }

    /** The report of a run that only plans: the desired state, and the changes it would make. */
    public AccountReport planReport(AccountTask task) {
        clients.calls().drain();
        Planned planned = planned(task);
        List<String> made = clients.calls().drain();
        if (!made.isEmpty()) {
            // a guard, not a path: planning only reads
            throw new IllegalStateException("planning account " + planned.key() + " made changing calls " + made);
        }
        List<String> changes = planned.plan().changes().stream().map(Change::render).toList();
        LOG.info("Account {} ({}): {} planned changes", planned.key(), planned.accountId(), changes.size());
        changes.forEach(change -> LOG.info("  {}", change));
        return report(planned, planned.wantedAlias(), planned.trailKey().arn(), changes, List.of());
    }

    /** Plans the account, applies the plan, and reports the baseline and the changes made. */
    public AccountReport apply(AccountTask task) {
        clients.calls().drain();
        OrgConfig config = task.config();
        Planned planned = planned(task);
        List<String> changes = planned.plan().apply().stream().map(Change::render).toList();
        String key = planned.key();
        String alias = planned.wantedAlias();
        List<AccountReport.Problem> problems = new ArrayList<>();
        // planned only outside the management account, whose alias is not Palisade's
        if (planned.aliasPlanned() && !planned.iam().listAccountAliases().accountAliases().contains(alias)) {
            // "already exists", and not because a lost answer of ours made it: aliases are unique
            // across all of AWS, and another account has this one
            problems.add(aliasTaken(config, key, alias));
            LOG.error("Account {}: {}", key, problems.get(0).message());
            alias = null;
        }
        List<String> calls = clients.calls().drain();
        LOG.info("Account {} ({}): {} changes applied, {} changing calls {}", key, planned.accountId(),
                changes.size(), calls.size(), calls);
        return report(planned, alias, planned.trailKey().arn(), changes, problems);
    }

    private static AccountReport report(Planned p, String alias, String keyArn, List<String> changes,
                                        List<AccountReport.Problem> problems) {
        AccountReport.Trail trail = new AccountReport.Trail(Names.TRAIL, p.trailArn(), p.bucket(), true, true, true,
                true, p.kmsKeyId().get());
        return new AccountReport(p.key(), p.accountId(), alias, p.roles(), p.directory().groups(),
                p.directory().users(), p.directory().retired(), trail, keyArn, p.logBucket(), changes, problems,
                p.settings(), p.buckets());
    }

    private Planned planned(AccountTask task) {
        OrgConfig config = task.config();
        // everything below acts in the organization's home region (IAM being global, there too)
        Clients clients = home(task);
        String key = task.target().key();
        // an account a bootstrap would create (only a plan names one): planned from nothing, no call
        boolean absent = AbsentAccount.isAbsent(task);
        String accountId = task.target().accountId();
        String shownId = accountIdOf(task, key);
        Change.Account account = new Change.Account(shownId, key);
        String identityId = accountIdOf(task, config.identityAccount());
        AwsCredentialsProvider credentials = absent ? AbsentAccount.credentials(task) : access.apply(task).in(accountId);
        // per credentials: a warm container never reuses an earlier run's (deleted) temp-admin session
        IamClient iam = clients.cached("iam|" + accountId, credentials,
                () -> clients.build(IamClient.builder(), credentials));
        CloudTrailClient cloudTrail = clients.cached("cloudtrail|" + accountId, credentials,
                () -> clients.build(CloudTrailClient.builder(), credentials));
        S3ControlClient s3Control = clients.cached("s3control|" + accountId, credentials,
                () -> clients.build(S3ControlClient.builder().endpointProvider(
                        S3ControlHost.provider()), credentials));
        String bucket = Names.trailBucket(config.organization().name(), identityId);
        String logBucket = Names.accessLogBucket(config.organization().name(), identityId);
        String keyAlias = TrailKey.aliasArn(clients.partition(), clients.region().id(), identityId);
        // AWS Config's central bucket; null when the config turns recording off
        String configBucket = config.recordsConfig() ? Names.configBucket(config.organization().name(), identityId)
                : null;
        if (task.isIdentity()) {
            // by their length with a real id: the identity account's may not be known yet
            requireBucketName(Names.trailBucket(config.organization().name(), ID_SHAPE));
            requireBucketName(Names.accessLogBucket(config.organization().name(), ID_SHAPE));
            requireBucketName(Names.configBucket(config.organization().name(), ID_SHAPE));
        }

        Plan plan = new Plan();
        String wantedAlias = task.isManagement() ? null : config.aliasOf(key);
        boolean aliasPlanned = wantedAlias == null ? false : planAlias(plan, iam, account, wantedAlias);
        // every account, the management account included: CIS checks each one
        plan.addAll(new AccountSettings(iam, s3Control, account, accountId).plan(config.passwordPolicy()));
        if (config.securityHubEnabled()) {
            SecurityHubClient securityHub = clients.cached("securityhub|" + accountId, credentials,
                    () -> clients.build(SecurityHubClient.builder(), credentials));
            plan.addAll(new SecurityHubBaseline(securityHub, clients.partition(), clients.region().id()).plan(account,
                    task.isManagement(), task.isIdentity() ? task.org().targets().stream()
                            .filter(t -> !t.key().equals(key))
                            .map(t -> new Change.Account(accountIdOf(task, t.key()), t.key())).toList() : null,
                    absent));
        }
        AccountReport.Settings settings = new AccountReport.Settings(config.passwordPolicy(),
                AccountSettings.shown(AccountSettings.BLOCK_ALL));
        Directory.Result directory = Directory.Result.EMPTY;
        TrailKey.Ref trailKey = new TrailKey.Ref();
        List<AccountReport.Bucket> buckets = List.of();
        if (task.isIdentity()) {
            Directory.Planned people = new Directory(iam, clients.partition(), account)
                    .plan(config, k -> accountIdOf(task, k));
            plan.addAll(people.plan());
            directory = people.result();
            S3Client s3 = clients.cached("s3|" + accountId, credentials, () -> clients.s3(credentials));
            String stateBucket = Names.stateBucket(config.organization().name(), identityId);
            plan.addAll(planLogBuckets(task, s3, account, bucket, stateBucket, configBucket, logBucket, identityId));
            String owned = BucketBaseline.OWNERSHIP.toString();
            List<AccountReport.Bucket> made = new ArrayList<>(List.of(
                    new AccountReport.Bucket(bucket, owned, logBucket + "/" + ACCESS_LOG_PREFIX),
                    new AccountReport.Bucket(stateBucket, owned, logBucket + "/" + STATE_ACCESS_LOG_PREFIX)));
            if (configBucket != null) {
                made.add(new AccountReport.Bucket(configBucket, owned, logBucket + "/" + CONFIG_ACCESS_LOG_PREFIX));
            }
            made.add(new AccountReport.Bucket(logBucket, owned, null));
            buckets = List.copyOf(made);
            KmsClient kms = clients.cached("kms|" + accountId, credentials,
                    () -> clients.build(KmsClient.builder(), credentials));
            KmsClient keyMaker = clients.cached("kms|" + accountId + "|once", credentials,
                    () -> clients.buildWithoutRetries(KmsClient.builder(), credentials));
            JsonNode keyPolicy = Json.MAPPER.valueToTree(PolicyDocuments.trailKeyPolicy(clients.partition(),
                    clients.region().id(), identityId, accountIds(task), Names.TRAIL));
            plan.addAll(new TrailKey(kms, keyMaker).plan(account, keyPolicy, trailKey));
            // the organization's Access Analyzer: InfoSec is its delegated administrator (CreateAccounts/AwaitAccounts)
            AccessAnalyzerClient analyzers = clients.cached("access-analyzer|" + accountId, credentials,
                    () -> clients.build(AccessAnalyzerClient.builder(), credentials));
            plan.addAll(new OrganizationAnalyzer(analyzers, account).plan(config.organization().name(),
                    task.run() == null ? "" : task.run().id()));
        }
        List<AccountReport.Role> roles = new ArrayList<>();
        plan.addAll(planRoles(iam, clients.partition(), account, config, identityId, roles));
        if (!task.isManagement()) {
            // the management account has none: a plan acts there with the function's own role
            if (auditors.isEmpty()) {
                LOG.warn("Account {}: PALISADE_AUDITORS is empty, {} is not planned", key, Names.AUDIT_ROLE);
            } else {
                plan.addAll(planAuditRole(iam, clients.partition(), account,
                        auditorArns(clients.partition(), task.managementAccountId(), auditors)));
            }
        }
        // the members' tasks do not see the identity report: they name the key by its alias ARN;
        // the identity account names it by its ARN, known once the key exists (after its create, in apply)
        boolean identity = task.isIdentity();
        Supplier<String> kmsKeyId = () -> identity && trailKey.arn() != null ? trailKey.arn() : keyAlias;
        String[] trailArn = {Names.trailArn(clients.partition(), clients.region().id(), shownId, Names.TRAIL)};
        boolean[] trailExists = {false};
        plan.addAll(planTrail(cloudTrail, account, bucket, kmsKeyId, keyAlias, identity ? trailKey.arn() : null,
                arn -> {
                    trailArn[0] = arn;
                    trailExists[0] = true;
                }));
        plan.addAll(TrailEvents.plan(cloudTrail, account, trailExists[0], TrailEvents.wanted(config.s3DataEvents(),
                clients.partition(), List.of(bucket, logBucket))));
        if (configBucket != null) {
            // every account, the management account included; after the identity account's config bucket
            ConfigClient configService = clients.cached("config|" + accountId, credentials,
                    () -> clients.build(ConfigClient.builder(), credentials));
            plan.addAll(new ConfigRecording(iam, configService, account, clients.partition()).plan(configBucket));
        }
        LOG.info("Account {} ({}): {} planned changes", key, accountId, plan.changes().size());
        return new Planned(plan, key, accountId, wantedAlias, aliasPlanned, directory, List.copyOf(roles), trailKey,
                trailArn[0], bucket, kmsKeyId, identity ? logBucket : null, iam, settings, buckets);
    }

    /** These clients in the organization's home region: where the bucket, key and trails live. */
    private Clients home(AccountTask task) {
        return clients.inHomeRegion(task.config());
    }

    /**
     * The id of the account with this config key ({@link OrgConfig#MANAGEMENT} included); for an
     * account that does not exist yet (a plan's), {@link AbsentAccount#placeholderId} ({@code <prod id>}).
     */
    static String accountIdOf(AccountTask task, String key) {
        String id = knownIdOf(task, key);
        return id != null ? id : AbsentAccount.placeholderId(key);
    }

    private static String knownIdOf(AccountTask task, String key) {
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

    /**
     * AWS allows one alias per account: a different one is deleted before the configured one is
     * created. Returns whether a change was planned.
     */
    static boolean planAlias(Plan plan, IamClient iam, Change.Account account, String alias) {
        List<String> current = iam.listAccountAliases().accountAliases();
        if (current.equals(List.of(alias))) {
            return false;
        }
        Runnable call = () -> {
            for (String old : current) {
                if (!old.equals(alias)) {
                    ChangeExecutor.remove(Change.remove(account, "iam:account-alias", old),
                            () -> iam.deleteAccountAlias(r -> r.accountAlias(old)));
                }
            }
            if (!current.contains(alias)) {
                // "already exists": ours after a lost answer, or another account's (apply reads which)
                ChangeExecutor.create(Change.create(account, "iam:account-alias", alias),
                        () -> iam.createAccountAlias(r -> r.accountAlias(alias)));
            }
        };
        plan.add(current.isEmpty() ? Change.create(account, "iam:account-alias", alias)
                : Change.update(account, "iam:account-alias", "", "alias", alias, current), call);
        return true;
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

    /**
     * The human roles of the account: a missing role is created with its policy; an existing one
     * gets its trust, session length, description and attachments planned attribute by attribute.
     * Adds each role, as it will be, to {@code roles}.
     */
    static Plan planRoles(IamClient iam, String partition, Change.Account account, OrgConfig config,
                          String identityId, List<AccountReport.Role> roles) {
        String key = account.key();
        var trust = PolicyDocuments.roleTrust(partition, identityId);
        Plan plan = new Plan();
        for (String name : config.rolesIn(key)) {
            OrgConfig.RoleDef def = config.roles() == null ? null : config.roles().get(name);
            if (def == null) {
                throw new InvalidConfigException("roles." + name + ": account '" + key
                        + "' has this role but it is not defined under roles");
            }
            String policyArn = "arn:" + partition + ":iam::aws:policy/" + def.policy();
            Role role = findRole(iam, name);
            if (role == null) {
                planCreateRole(plan, iam, account, name, trust, def.description(), policyArn);
                roles.add(new AccountReport.Role(name, Names.roleArn(partition, account.id(), name), policyArn,
                        identityId, true));
                continue;
            }
            planTrust(plan, iam, account, name, role, trust);
            Runnable updateRole = once(() -> iam.updateRole(r -> r.roleName(name)
                    .maxSessionDuration(MAX_SESSION_SECONDS).description(def.description())));
            if (!Objects.equals(role.maxSessionDuration(), MAX_SESSION_SECONDS)) {
                plan.add(Change.update(account, "iam:role", name, "maxSessionDuration", MAX_SESSION_SECONDS,
                        role.maxSessionDuration()), updateRole);
            }
            if (def.description() != null && !def.description().equals(role.description())) {
                plan.add(Change.update(account, "iam:role", name, "description", def.description(),
                        role.description()), updateRole);
            }
            planAttachment(plan, iam, account, name, policyArn);
            roles.add(new AccountReport.Role(name, role.arn(), policyArn, identityId, true));
        }
        return plan;
    }

    /** A missing role: created with its trust, session length, description and tag, then {@code policyArn} attached. */
    private static void planCreateRole(Plan plan, IamClient iam, Change.Account account, String name, Object trust,
                                       String description, String policyArn) {
        Change create = Change.create(account, "iam:role", name);
        plan.add(create, () -> {
            // "already exists" after a lost answer: made by us, with these settings
            ChangeExecutor.create(create, () -> iam.createRole(r -> r.roleName(name)
                    .assumeRolePolicyDocument(Json.write(trust))
                    .maxSessionDuration(MAX_SESSION_SECONDS)
                    .description(description)
                    .tags(managedTag())));
            iam.attachRolePolicy(r -> r.roleName(name).policyArn(policyArn));
        });
    }

    /** An existing role's trust, compared order-insensitively: replaced when it differs (a principal added is drift). */
    private static void planTrust(Plan plan, IamClient iam, Change.Account account, String name, Role role,
                                  Object trust) {
        JsonNode haveTrust = PolicyDocument.parse(role.assumeRolePolicyDocument());
        if (!PolicyDocument.equivalent(haveTrust, trust)) {
            plan.add(Change.update(account, "iam:role", name, "trust", trust, haveTrust),
                    () -> iam.updateAssumeRolePolicy(r -> r.roleName(name).policyDocument(Json.write(trust))));
        }
    }

    /** Exactly {@code policyArn} attached to role {@code name}: attach it if missing, detach any other. */
    private static void planAttachment(Plan plan, IamClient iam, Change.Account account, String name,
                                       String policyArn) {
        List<String> attached = iam.listAttachedRolePoliciesPaginator(r -> r.roleName(name))
                .attachedPolicies().stream().map(AttachedPolicy::policyArn).toList();
        if (!attached.contains(policyArn)) {
            plan.add(Change.update(account, "iam:role", name, "policy", policyArn, attached),
                    () -> iam.attachRolePolicy(r -> r.roleName(name).policyArn(policyArn)));
        }
        for (String other : attached) {
            if (!other.equals(policyArn)) {
                plan.add(Change.remove(account, "iam:role-policy-attachment", name + " " + other),
                        () -> iam.detachRolePolicy(r -> r.roleName(name).policyArn(other)));
            }
        }
    }

    /**
     * The ARNs of the auditor roles: a name is a role of the management account (where
     * Palisade's stack and so its function roles live); an ARN is kept as it is.
     */
    static List<String> auditorArns(String partition, String managementAccountId, List<String> auditors) {
        return auditors.stream().map(a -> a.startsWith("arn:") ? a
                : Names.roleArn(partition, managementAccountId, a)).toList();
    }

    /**
     * {@value Names#AUDIT_ROLE}: what plan-only tasks read a member account with. Trusts only
     * {@code auditors}; exactly the AWS managed {@value Names#AUDIT_POLICY} attached; no inline
     * policy (one added by hand could grant writes, so it is drift to remove); tagged
     * {@value Names#MANAGED_TAG}.
     */
    static Plan planAuditRole(IamClient iam, String partition, Change.Account account, List<String> auditors) {
        String name = Names.AUDIT_ROLE;
        String policyArn = Names.awsManagedPolicyArn(partition, Names.AUDIT_POLICY);
        String description = "Palisade audit role: read-only (ReadOnlyAccess), assumable only by Palisade's plan "
                + "phases in the management account";
        JsonNode trust = Json.MAPPER.valueToTree(PolicyDocuments.auditTrust(auditors));
        Plan plan = new Plan();
        Role role = findRole(iam, name);
        if (role == null) {
            planCreateRole(plan, iam, account, name, trust, description, policyArn);
            return plan;
        }
        planTrust(plan, iam, account, name, role, trust);
        planAttachment(plan, iam, account, name, policyArn);
        for (String inline : iam.listRolePoliciesPaginator(r -> r.roleName(name)).policyNames()) {
            Change remove = Change.remove(account, "iam:role-policy", name + "/" + inline);
            plan.add(remove, () -> ChangeExecutor.remove(remove,
                    () -> iam.deleteRolePolicy(r -> r.roleName(name).policyName(inline))));
        }
        return plan;
    }

    /** A call that several changes share (one write fixes several attributes): made once per apply. */
    static Runnable once(Runnable call) {
        boolean[] done = {false};
        return () -> {
            if (!done[0]) {
                call.run();
                done[0] = true;
            }
        };
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
        return task.org().targets().stream().map(t -> accountIdOf(task, t.key())).distinct().toList();
    }

    /** Each bucket whose S3 server access logs the access-log bucket takes, and the prefix they go under. */
    static Map<String, String> logSources(String trailBucket, String stateBucket) {
        return logSources(trailBucket, stateBucket, null);
    }

    /** The same with the config bucket, unless it is {@code null} (recording off). */
    static Map<String, String> logSources(String trailBucket, String stateBucket, String configBucket) {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put(trailBucket, ACCESS_LOG_PREFIX);
        sources.put(stateBucket, STATE_ACCESS_LOG_PREFIX);
        if (configBucket != null) {
            sources.put(configBucket, CONFIG_ACCESS_LOG_PREFIX);
        }
        return sources;
    }

    /**
     * The identity account's buckets: the access-log bucket first (the others log into it), the
     * trail bucket and the state bucket, each with its server access logs there (CIS 3.6 for the
     * trail bucket; the state record is what a run trusts, so who read or wrote it is kept too).
     * The state bucket is made by MigrateState before this phase runs; it is planned here against
     * the same policy ({@link StateBucket#policy}), so a plan or drift run sees it drift.
     */
    private Plan planLogBuckets(AccountTask task, S3Client s3, Change.Account account, String bucket,
                                String stateBucket, String configBucket, String logBucket, String identityId) {
        String partition = clients.partition();
        BucketBaseline baseline = new BucketBaseline(s3, home(task).region());
        Plan plan = new Plan();
        plan.addAll(baseline.plan(account, logBucket, Json.MAPPER.valueToTree(PolicyDocuments.accessLogBucketPolicy(
                partition, logBucket, logSources(bucket, stateBucket, configBucket), identityId))));
        plan.addAll(baseline.plan(account, bucket, Json.MAPPER.valueToTree(PolicyDocuments.trailBucketPolicy(
                partition, home(task).region().id(), bucket, accountIds(task), Names.TRAIL))));
        plan.addAll(planLogging(s3, baseline, account, bucket, logBucket, ACCESS_LOG_PREFIX));
        plan.addAll(baseline.plan(account, stateBucket, StateBucket.policy(partition, stateBucket, identityId)));
        plan.addAll(planLogging(s3, baseline, account, stateBucket, logBucket, STATE_ACCESS_LOG_PREFIX));
        if (configBucket != null) {
            // AWS Config's deliveries from every account (it is off: the bucket is left as it is)
            plan.addAll(baseline.plan(account, configBucket, Json.MAPPER.valueToTree(
                    PolicyDocuments.configBucketPolicy(partition, configBucket, accountIds(task)))));
            plan.addAll(planLogging(s3, baseline, account, configBucket, logBucket, CONFIG_ACCESS_LOG_PREFIX));
        }
        return plan;
    }

    /** {@code bucket}'s server access logs into {@code logBucket} under {@code prefix}. */
    private static Plan planLogging(S3Client s3, BucketBaseline baseline, Change.Account account, String bucket,
                                    String logBucket, String prefix) {
        Plan plan = new Plan();
        LoggingEnabled wanted = LoggingEnabled.builder().targetBucket(logBucket).targetPrefix(prefix).build();
        Runnable putLogging = () -> s3.putBucketLogging(r -> r.bucket(bucket)
                .bucketLoggingStatus(BucketLoggingStatus.builder().loggingEnabled(wanted).build()));
        // a bucket that does not exist yet has no logging: its sub-resources are absent, not read
        LoggingEnabled current = baseline.exists(bucket) ? s3.getBucketLogging(r -> r.bucket(bucket)).loggingEnabled()
                : null;
        if (current == null) {
            plan.add(Change.create(account, "s3:bucket-logging", bucket), putLogging);
        } else if (!loggingMatches(current, wanted)) {
            plan.add(Change.update(account, "s3:bucket-logging", bucket, "target", logging(wanted), logging(current)),
                    putLogging);
        }
        return plan;
    }

    private static Map<String, String> logging(LoggingEnabled logging) {
        Map<String, String> shown = new LinkedHashMap<>();
        shown.put("targetBucket", logging.targetBucket());
        shown.put("targetPrefix", logging.targetPrefix());
        return shown;
    }

    /** Target bucket and prefix only: grants and the key format are left as they are. */
    static boolean loggingMatches(LoggingEnabled current, LoggingEnabled wanted) {
        return current != null
                && wanted.targetBucket().equals(current.targetBucket())
                && wanted.targetPrefix().equals(current.targetPrefix());
    }

    /**
     * @param kmsKeyId what the trail is set to: the key ARN where known, else its alias ARN
     * @param keyArn   the key ARN where the plan knows it (the identity account's existing key), else {@code null}
     * @param arn      told the trail's ARN when it exists
     */
    static Plan planTrail(CloudTrailClient cloudTrail, Change.Account account, String bucket,
                          Supplier<String> kmsKeyId, String keyAlias, String keyArn,
                          java.util.function.Consumer<String> arn) {
        Plan plan = new Plan();
        Trail current = findTrail(cloudTrail);
        if (current == null) {
            Change create = Change.create(account, "cloudtrail:trail", Names.TRAIL);
            plan.add(create, () -> {
                // "already exists" after a lost answer: made by us, with these settings
                ChangeExecutor.create(create, () -> cloudTrail.createTrail(r -> r.name(Names.TRAIL)
                        .s3BucketName(bucket)
                        .isMultiRegionTrail(true)
                        .enableLogFileValidation(true)
                        .includeGlobalServiceEvents(true)
                        .kmsKeyId(kmsKeyId.get())
                        .tagsList(t -> t.key(Names.MANAGED_TAG).value("true"))));
                cloudTrail.startLogging(r -> r.name(Names.TRAIL));
            });
            return plan;
        }
        arn.accept(current.trailARN());
        // only the settings Palisade owns: a CloudWatch Logs delivery set by another phase stays
        boolean clearPrefix = current.s3KeyPrefix() != null && !current.s3KeyPrefix().isEmpty();
        Runnable update = once(() -> cloudTrail.updateTrail(r -> {
            r.name(Names.TRAIL)
                    .s3BucketName(bucket)
                    .isMultiRegionTrail(true)
                    .enableLogFileValidation(true)
                    .includeGlobalServiceEvents(true)
                    .kmsKeyId(kmsKeyId.get());
            if (clearPrefix) {
                // the bucket policy lets each account write only under AWSLogs/<accountId>/
                r.s3KeyPrefix("");
            }
        }));
        String name = Names.TRAIL;
        if (!bucket.equals(current.s3BucketName())) {
            plan.add(Change.update(account, "cloudtrail:trail", name, "s3BucketName", bucket, current.s3BucketName()),
                    update);
        }
        if (clearPrefix) {
            plan.add(Change.update(account, "cloudtrail:trail", name, "s3KeyPrefix", "", current.s3KeyPrefix()),
                    update);
        }
        if (!Boolean.TRUE.equals(current.isMultiRegionTrail())) {
            plan.add(Change.update(account, "cloudtrail:trail", name, "multiRegion", true,
                    current.isMultiRegionTrail()), update);
        }
        if (!Boolean.TRUE.equals(current.logFileValidationEnabled())) {
            plan.add(Change.update(account, "cloudtrail:trail", name, "logFileValidation", true,
                    current.logFileValidationEnabled()), update);
        }
        if (!Boolean.TRUE.equals(current.includeGlobalServiceEvents())) {
            plan.add(Change.update(account, "cloudtrail:trail", name, "globalEvents", true,
                    current.includeGlobalServiceEvents()), update);
        }
        if (!TrailKey.designates(current.kmsKeyId(), keyAlias, keyArn)) {
            plan.add(Change.update(account, "cloudtrail:trail", name, "kmsKeyId", kmsKeyId.get(),
                    current.kmsKeyId()), update);
        }
        Boolean logging = cloudTrail.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging();
        if (!Boolean.TRUE.equals(logging)) {
            plan.add(Change.update(account, "cloudtrail:trail", name, "logging", true, logging),
                    () -> cloudTrail.startLogging(r -> r.name(Names.TRAIL)));
        }
        return plan;
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
