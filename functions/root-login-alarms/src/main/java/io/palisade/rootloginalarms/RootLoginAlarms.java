package io.palisade.rootloginalarms;

import io.palisade.common.Names;
import io.palisade.common.aws.AbsentAccount;
import io.palisade.common.aws.AccountAccess;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Plan;
import io.palisade.common.policy.PolicyDocument;
import io.palisade.common.errors.PrerequisiteMissingException;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.ConfigValidator;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.InvalidCloudWatchLogsLogGroupArnException;
import software.amazon.awssdk.services.cloudtrail.model.InvalidCloudWatchLogsRoleArnException;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
import software.amazon.awssdk.services.cloudtrail.model.TrailNotFoundException;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogGroup;
import software.amazon.awssdk.services.cloudwatchlogs.model.MetricFilter;
import software.amazon.awssdk.services.cloudwatchlogs.model.MetricTransformation;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.DescribeRuleResponse;
import software.amazon.awssdk.services.eventbridge.model.RuleState;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.NotFoundException;
import software.amazon.awssdk.services.sns.model.Subscription;

/**
 * Root-user alerting and the CIS monitoring set in one account, as the seed's CloudWatch alarms did
 * and CIS AWS Foundations asks: the account's trail also delivers to a CloudWatch Logs group; a
 * metric filter per {@link CisMonitoring} row (root usage, unauthorized API calls, IAM policy
 * changes, ...) counts its events and an alarm on each notifies an SNS topic; an EventBridge rule
 * sends root console sign-ins and root API calls to the same topic at once. The log group and the
 * topic are encrypted with the account's {@link MonitoringKey}.
 *
 * <p>All of it in the organization's home region ({@code organization.region}). CloudTrail
 * records every root console sign-in in us-east-1, whatever the home region, and EventBridge
 * sees an event only in the region where it was recorded: outside us-east-1 the rule (and the
 * topic it targets, since a rule publishes only to a topic of its own region) is made there too.
 *
 * <p>{@link #plan} only reads: it returns one {@link Change} per difference between what this
 * phase makes and what the account has, each with the call that makes it. {@link #apply} is that
 * plan applied (through {@link io.palisade.common.aws.ChangeExecutor}), so a re-run on a
 * converged account plans nothing and changes nothing. {@link #report} honours the task's mode:
 * a {@code plan} task, or a {@code drift} task without {@code repair}, gets the planned changes
 * and no changing call is made.
 */
public final class RootLoginAlarms {
    public static final int RETENTION_DAYS = 365;
    public static final String METRIC = CisMonitoring.ROOT_USAGE.metric();
    public static final String NAMESPACE = CisMonitoring.NAMESPACE;
    static final String PATTERN = Policies.ROOT_USAGE_PATTERN;
    static final String ALARM_DESCRIPTION = CisMonitoring.ROOT_USAGE.description();
    /** The topic attribute that names its KMS key. */
    static final String KMS_MASTER_KEY_ID = "KmsMasterKeyId";
    static final String RULE_DESCRIPTION = "Root user console sign-in or API call: notify " + Names.ROOT_ALERTS_TOPIC;
    private static final String EMAIL = "email";
    /** Where CloudTrail records root console sign-ins (AWS CloudTrail User Guide, console sign-in events). */
    static final Region SIGN_IN_REGION = Region.US_EAST_1;
    private static final int TRAIL_UPDATE_ATTEMPTS = 8;
    private static final Logger LOG = LoggerFactory.getLogger(RootLoginAlarms.class);

    /** Change resource types of this phase. */
    static final String LOG_GROUP = "logs:log-group";
    static final String ROLE = "iam:role";
    static final String ROLE_POLICY = "iam:role-policy";
    static final String TRAIL = "cloudtrail:trail";
    static final String METRIC_FILTER = "logs:metric-filter";
    static final String ALARM = "cloudwatch:alarm";
    static final String TOPIC = "sns:topic";
    static final String SUBSCRIPTION = "sns:subscription";
    static final String RULE = "events:rule";
    static final String RULE_TARGET = "events:target";

    private final Clients clients;
    private final Function<AccountTask, AccountAccess> access;
    private final Duration roleWait;

    /**
     * @param access how to act in a task's account ({@link AccountAccess#bootstrapRole} on AWS)
     */
    public RootLoginAlarms(Clients clients, Function<AccountTask, AccountAccess> access) {
        this(clients, access, Duration.ofSeconds(5));
    }

    /** @param roleWait pause between attempts while a new IAM role becomes usable by CloudTrail */
    RootLoginAlarms(Clients clients, Function<AccountTask, AccountAccess> access, Duration roleWait) {
        this.clients = clients;
        this.access = access;
        this.roleWait = roleWait;
    }

    /**
     * Reads the account and returns what differs from what this phase makes, one change per
     * difference, in the order they must be made. Changes nothing. A missing trail is planned
     * too (its CloudWatch Logs settings as updates from {@code null}); {@link #apply} refuses it.
     */
    public Plan plan(AccountTask task) {
        return survey(task).plan();
    }

    /** Plans and applies: the account ends as this phase makes it; the report lists the changes made. */
    public AlarmReport apply(AccountTask task) {
        return run(task, true);
    }

    /**
     * What the task's mode asks: {@link #apply} for a bootstrap (or mode-less) task and a drift
     * task with {@code repair: true}; otherwise the plan alone, with no changing call made.
     */
    public AlarmReport report(AccountTask task) {
        ConfigValidator.validateMode(task.mode());
        return run(task, task.mayChange());
    }

    private AlarmReport run(AccountTask task, boolean write) {
        clients.calls().drain();
        Survey survey = survey(task);
        List<String> unexpected = clients.calls().drain();
        if (!unexpected.isEmpty()) {
            // planning only reads: a changing call here is a bug, never something to report as done
            throw new IllegalStateException("Planning made changing calls: " + unexpected);
        }
        if (!write) {
            List<Change> planned = survey.plan().changes();
            LOG.info("Root-login alarms in {} ({}): {} planned change(s), none made ({} mode)", task.target().key(),
                    task.target().accountId(), planned.size(), mode(task));
            return report(task, survey, planned, false);
        }
        if (survey.trail() == null) {
            // the one precondition, checked before anything is written
            throw new PrerequisiteMissingException("CloudTrail trail '" + Names.TRAIL + "' does not exist in account "
                    + task.target().accountId() + " (" + survey.region().id()
                    + "): the apply-accounts phase creates it; run it first", null);
        }
        List<Change> made = survey.plan().apply();
        List<String> calls = clients.calls().drain();
        // the ARNs and subscription states of what was just made
        Survey after = made.isEmpty() ? survey : survey(task);
        LOG.info("Root-login alarms in {} ({}, {}{}): {} change(s) by {} call(s)", task.target().key(),
                task.target().accountId(), survey.region().id(),
                after.signIn() == null ? "" : " and " + after.signIn().region(), made.size(), calls.size());
        return report(task, after, made, true);
    }

    private static String mode(AccountTask task) {
        return task.mode() == null ? "bootstrap" : task.mode();
    }

    private AlarmReport report(AccountTask task, Survey survey, List<Change> changes, boolean applied) {
        return new AlarmReport(task.target().key(), task.target().accountId(), survey.region().id(), Names.LOG_GROUP,
                Names.ROOT_USAGE_METRIC_FILTER, PATTERN, Names.ROOT_USAGE_ALARM, survey.alarmArn(),
                CisMonitoring.alarmNames(), survey.keyArn(),
                survey.home().topicArn(), survey.home().subscriptions(), Names.ROOT_ACTIVITY_RULE,
                survey.signIn() == null ? null : new AlarmReport.SignInRule(survey.signIn().region(),
                        Names.ROOT_ACTIVITY_RULE, survey.signIn().topicArn(), survey.signIn().subscriptions(),
                        "root console sign-ins are recorded in " + survey.signIn().region() + " only"),
                changes.stream().map(Change::render).toList(), mode(task), applied);
    }

    /** What one reading of the account found, and the plan made from it. */
    record Survey(Region region, Trail trail, String alarmArn, String keyArn, Alerting home, Alerting signIn,
                  Plan plan) {}

    /** The topic and rule of one region, as found: subscription states of the configured addresses. */
    record Alerting(String region, String topicArn, List<AlarmReport.Subscription> subscriptions) {}

    private Survey survey(AccountTask task) {
        // an account a bootstrap would create (only a plan names one): planned from nothing, no call;
        // its ARNs name it by a placeholder ({@code <prod id>})
        boolean absent = AbsentAccount.isAbsent(task);
        String account = absent ? AbsentAccount.placeholderId(task.target().key()) : task.target().accountId();
        Change.Account who = new Change.Account(account, task.target().key());
        AwsCredentialsProvider creds = absent ? AbsentAccount.credentials(task) : access.apply(task).in(account);
        Clients home = clients.inHomeRegion(task.config());
        Account a = new Account(home, account, creds);
        List<String> emails = emails(task.config());
        Plan plan = new Plan();

        MonitoringKey.Ref key = planKey(plan, who, "", a, home, account);

        CloudTrailClient cloudTrail = a.client(CloudTrailClient.builder(), "cloudtrail");
        Trail trail = trail(cloudTrail);
        String trailArn = trail != null ? trail.trailARN()
                : Names.trailArn(home.partition(), home.region().id(), account, Names.TRAIL);
        String logGroupArn = Names.logGroupArn(home.partition(), home.region().id(), account, Names.LOG_GROUP);
        String roleArn = Names.roleArn(home.partition(), account, Names.DELIVERY_ROLE);

        CloudWatchLogsClient logs = a.client(CloudWatchLogsClient.builder(), "logs");
        LogGroup logGroup = logGroup(logs);
        planLogGroup(plan, who, logGroup, key, logs);

        IamClient iam = a.client(IamClient.builder(), "iam");
        Role role = role(iam);
        String rolePolicy = role == null ? null : rolePolicy(iam);
        boolean roleChanges = planDeliveryRole(plan, who, role, rolePolicy, trailArn, logGroupArn, iam);
        planTrail(plan, who, trail, logGroupArn, roleArn, cloudTrail, roleChanges);

        SnsClient sns = a.client(SnsClient.builder(), "sns");
        String topicArn = Names.topicArn(home.partition(), home.region().id(), account, Names.ROOT_ALERTS_TOPIC);
        Alerting homeAlerting = planTopic(plan, who, "", topicArn, account, emails, key, sns);

        Map<String, MetricFilter> filters = logGroup == null ? Map.of() : metricFilters(logs);
        CloudWatchClient cloudWatch = a.client(CloudWatchClient.builder(), "cloudwatch");
        Map<String, MetricAlarm> alarms = alarms(cloudWatch);
        for (CisMonitoring.Filter f : CisMonitoring.FILTERS) {
            planMetricFilter(plan, who, f, filters.get(f.name()), logs);
            planAlarm(plan, who, f, alarms.get(f.name()), topicArn, cloudWatch);
        }
        MetricAlarm alarm = alarms.get(Names.ROOT_USAGE_ALARM);
        planRule(plan, who, "", a.client(EventBridgeClient.builder(), "events"), topicArn);
        if (OrgConfig.MANAGEMENT.equals(task.target().key())) {  // only the management account can AssumeRoot
            AssumeRootRule.plan(plan, who, a.client(EventBridgeClient.builder(), "events"), topicArn);
        }

        Alerting signIn = null;
        Region region = signInRegion(home.region(), home.partition());
        if (region != null) {
            Clients there = clients.inRegion(region);
            Account b = new Account(there, account, creds);
            String prefix = region.id() + "/";
            String signInTopic = Names.topicArn(there.partition(), region.id(), account, Names.ROOT_ALERTS_TOPIC);
            MonitoringKey.Ref signInKey = planKey(plan, who, prefix, b, there, account);
            signIn = planTopic(plan, who, prefix, signInTopic, account, emails, signInKey,
                    b.client(SnsClient.builder(), "sns"));
            planRule(plan, who, prefix, b.client(EventBridgeClient.builder(), "events"), signInTopic);
        }
        return new Survey(home.region(), trail, alarm == null ? null : alarm.alarmArn(), key.arn(), homeAlerting,
                signIn, plan);
    }

    /** The monitoring key of {@code in}'s region: planned, and its ARN once known. */
    private static MonitoringKey.Ref planKey(Plan plan, Change.Account who, String prefix, Account a, Clients in,
                                             String account) {
        String region = in.region().id();
        MonitoringKey.Ref key = new MonitoringKey.Ref(Names.kmsAliasArn(in.partition(), region, account,
                MonitoringKey.ALIAS));
        new MonitoringKey(a.client(KmsClient.builder(), "kms"), a.keyMaker(KmsClient.builder(), "kms"))
                .plan(plan, who, prefix, Policies.monitoringKeyPolicy(in.partition(), region, account, Names.LOG_GROUP),
                        key);
        return key;
    }

    /**
     * Where root console sign-ins must also be caught: {@link #SIGN_IN_REGION} when the home
     * region is another region of the {@code aws} partition; {@code null} when the home rule
     * already sees them (home in us-east-1) or the partition has no us-east-1.
     */
    static Region signInRegion(Region home, String partition) {
        return "aws".equals(partition) && !SIGN_IN_REGION.equals(home) ? SIGN_IN_REGION : null;
    }

    // ---- reading: every read answers "absent" with null, never fails on a missing resource

    private static Trail trail(CloudTrailClient cloudTrail) {
        try {
            return cloudTrail.getTrail(r -> r.name(Names.TRAIL)).trail();
        } catch (TrailNotFoundException e) {
            return null;
        }
    }

    private static LogGroup logGroup(CloudWatchLogsClient logs) {
        return logs.describeLogGroupsPaginator(r -> r.logGroupNamePrefix(Names.LOG_GROUP))
                .logGroups().stream().filter(g -> Names.LOG_GROUP.equals(g.logGroupName())).findFirst().orElse(null);
    }

    private static Role role(IamClient iam) {
        try {
            return iam.getRole(r -> r.roleName(Names.DELIVERY_ROLE)).role();
        } catch (NoSuchEntityException e) {
            return null;
        }
    }

    private static String rolePolicy(IamClient iam) {
        try {
            return iam.getRolePolicy(r -> r.roleName(Names.DELIVERY_ROLE).policyName(Names.DELIVERY_POLICY))
                    .policyDocument();
        } catch (NoSuchEntityException e) {
            return null;
        }
    }

    /** The log group's metric filters by name (all of them: one listing, whatever the number of rows). */
    private static Map<String, MetricFilter> metricFilters(CloudWatchLogsClient logs) {
        Map<String, MetricFilter> byName = new LinkedHashMap<>();
        try {
            logs.describeMetricFiltersPaginator(r -> r.logGroupName(Names.LOG_GROUP)).metricFilters()
                    .forEach(f -> byName.putIfAbsent(f.filterName(), f));
        } catch (software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException e) {
            return Map.of();
        }
        return byName;
    }

    /** This phase's alarms by name, in one DescribeAlarms (names only: at most 100 a call, the table has 15). */
    private static Map<String, MetricAlarm> alarms(CloudWatchClient cloudWatch) {
        Map<String, MetricAlarm> byName = new LinkedHashMap<>();
        List<String> names = CisMonitoring.alarmNames();
        cloudWatch.describeAlarmsPaginator(r -> r.alarmNames(names)).metricAlarms().forEach(m -> {
            if (names.contains(m.alarmName())) {
                byName.putIfAbsent(m.alarmName(), m);
            }
        });
        return byName;
    }

    private static Map<String, String> topicAttributes(SnsClient sns, String topicArn) {
        return sns.getTopicAttributes(r -> r.topicArn(topicArn)).attributes();
    }

    // ---- planning: given what was found, the changes and their calls; nothing is called here

    /** The trail's log group: kept a year, encrypted with the monitoring key ({@code key}'s ARN is read when applied). */
    static void planLogGroup(Plan plan, Change.Account who, LogGroup found, MonitoringKey.Ref key,
                             CloudWatchLogsClient logs) {
        Runnable retention = () -> logs.putRetentionPolicy(r -> r.logGroupName(Names.LOG_GROUP)
                .retentionInDays(RETENTION_DAYS));
        Runnable associate = () -> logs.associateKmsKey(r -> r.logGroupName(Names.LOG_GROUP).kmsKeyId(key.arn()));
        if (found == null) {
            Change create = Change.create(who, LOG_GROUP, Names.LOG_GROUP);
            plan.add(create, () -> {
                if (ChangeExecutor.create(create, () -> logs.createLogGroup(r -> r.logGroupName(Names.LOG_GROUP)
                        .kmsKeyId(key.arn()))) == ChangeExecutor.Outcome.ALREADY_DONE) {
                    associate.run(); // a lost answer: made, but maybe without the key
                }
                retention.run();
            });
            return;
        }
        if (!Objects.equals(found.retentionInDays(), RETENTION_DAYS)) {
            plan.add(Change.update(who, LOG_GROUP, Names.LOG_GROUP, "retentionInDays", RETENTION_DAYS,
                    found.retentionInDays()), retention);
        }
        if (!key.designates(found.kmsKeyId())) {
            plan.add(Change.update(who, LOG_GROUP, Names.LOG_GROUP, "kmsKeyId", key.expected(), found.kmsKeyId()),
                    associate);
        }
    }

    /** @return whether the role or its policy will be written (CloudTrail may not see it for a few seconds) */
    static boolean planDeliveryRole(Plan plan, Change.Account who, Role role, String rolePolicy, String trailArn,
                                    String logGroupArn, IamClient iam) {
        JsonNode trust = Policies.cloudTrailTrust(trailArn);
        Runnable updateTrust = () -> iam.updateAssumeRolePolicy(r -> r.roleName(Names.DELIVERY_ROLE)
                .policyDocument(Policies.write(trust)));
        int before = plan.changes().size();
        if (role == null) {
            Change create = Change.create(who, ROLE, Names.DELIVERY_ROLE);
            plan.add(create, () -> {
                if (ChangeExecutor.create(create, () -> iam.createRole(r -> r
                        .roleName(Names.DELIVERY_ROLE)
                        .assumeRolePolicyDocument(Policies.write(trust))
                        .description("CloudTrail delivers " + Names.TRAIL + " events to the " + Names.LOG_GROUP
                                + " log group")))
                        == ChangeExecutor.Outcome.ALREADY_DONE) {
                    updateTrust.run(); // a lost answer: made, but maybe with another trust
                }
            });
        } else if (!PolicyDocument.equivalent(PolicyDocument.parse(role.assumeRolePolicyDocument()), trust)) {
            plan.add(Change.update(who, ROLE, Names.DELIVERY_ROLE, "trust", trust,
                    PolicyDocument.parse(role.assumeRolePolicyDocument())), updateTrust);
        }
        JsonNode policy = Policies.logDelivery(logGroupArn);
        Runnable putPolicy = () -> iam.putRolePolicy(r -> r.roleName(Names.DELIVERY_ROLE)
                .policyName(Names.DELIVERY_POLICY).policyDocument(Policies.write(policy)));
        String policyName = Names.DELIVERY_ROLE + "/" + Names.DELIVERY_POLICY;
        if (rolePolicy == null) {
            plan.add(Change.create(who, ROLE_POLICY, policyName), putPolicy);
        } else if (!PolicyDocument.equivalent(PolicyDocument.parse(rolePolicy), policy)) {
            plan.add(Change.update(who, ROLE_POLICY, policyName, "document", policy,
                    PolicyDocument.parse(rolePolicy)), putPolicy);
        }
        return plan.changes().size() > before;
    }

    /** @param trail {@code null} when missing: planned from nothing, and {@link #apply} refuses it */
    void planTrail(Plan plan, Change.Account who, Trail trail, String logGroupArn, String roleArn,
                   CloudTrailClient cloudTrail, boolean roleChanges) {
        String groupFound = trail == null ? null : trail.cloudWatchLogsLogGroupArn();
        String roleFound = trail == null ? null : trail.cloudWatchLogsRoleArn();
        String name = trail == null ? Names.TRAIL : trail.trailARN();
        // one UpdateTrail sets both: made once, whichever of the two changes comes first
        Runnable update = once(() -> updateTrail(cloudTrail, name, logGroupArn, roleArn, roleChanges));
        // settings of a trail that does not exist yet (apply-accounts creates it) are part of its making: +
        Change.Action action = trail == null ? Change.Action.CREATE : Change.Action.UPDATE;
        if (!logGroupArn.equals(groupFound)) {
            plan.add(new Change(who, TRAIL, Names.TRAIL, "cloudWatchLogsLogGroupArn", logGroupArn, groupFound,
                    action), update);
        }
        if (!roleArn.equals(roleFound)) {
            plan.add(new Change(who, TRAIL, Names.TRAIL, "cloudWatchLogsRoleArn", roleArn, roleFound, action),
                    update);
        }
    }

    private void updateTrail(CloudTrailClient cloudTrail, String trail, String logGroupArn, String roleArn,
                             boolean roleIsNew) {
        for (int attempt = 1; ; attempt++) {
            try {
                cloudTrail.updateTrail(r -> r.name(trail)
                        .cloudWatchLogsLogGroupArn(logGroupArn)
                        .cloudWatchLogsRoleArn(roleArn));
                return;
            } catch (InvalidCloudWatchLogsRoleArnException | InvalidCloudWatchLogsLogGroupArnException e) {
                // IAM is eventually consistent: a role written a moment ago may not be assumable yet
                if (!roleIsNew || attempt >= TRAIL_UPDATE_ATTEMPTS) {
                    throw e;
                }
                LOG.info("CloudTrail cannot use role {} yet (attempt {}): {}", Names.DELIVERY_ROLE, attempt,
                        e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage());
                pause();
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(roleWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for IAM", e);
        }
    }

    /**
     * The topic (and its policy) and a subscription per configured address, in the region of
     * {@code topicArn}; {@code prefix} names that region in the changes when it is not the home one.
     * A missing topic has no subscriptions: they are planned without listing them.
     */
    static Alerting planTopic(Plan plan, Change.Account who, String prefix, String topicArn, String account,
                              List<String> emails, MonitoringKey.Ref key, SnsClient sns) {
        String name = prefix + Names.ROOT_ALERTS_TOPIC;
        JsonNode policy = Policies.topicPolicy(topicArn, account);
        Runnable putPolicy = () -> sns.setTopicAttributes(r -> r.topicArn(topicArn).attributeName("Policy")
                .attributeValue(Policies.write(policy)));
        Runnable putKey = () -> sns.setTopicAttributes(r -> r.topicArn(topicArn).attributeName(KMS_MASTER_KEY_ID)
                .attributeValue(key.arn()));
        Map<String, String> attributes;
        try {
            attributes = topicAttributes(sns, topicArn);
        } catch (NotFoundException e) {
            attributes = null;
        }
        boolean exists = attributes != null;
        if (!exists) {
            // CreateTopic without attributes is idempotent (it answers an existing topic's ARN); key and policy follow
            plan.add(Change.create(who, TOPIC, name), () -> {
                sns.createTopic(r -> r.name(Names.ROOT_ALERTS_TOPIC));
                putKey.run();
                putPolicy.run();
            });
        } else {
            String current = attributes.get("Policy");
            if (!PolicyDocument.equivalent(PolicyDocument.parse(current), policy)) {
                plan.add(Change.update(who, TOPIC, name, "policy", policy, PolicyDocument.parse(current)), putPolicy);
            }
            String currentKey = attributes.get(KMS_MASTER_KEY_ID);
            if (!key.designates(currentKey)) {
                plan.add(Change.update(who, TOPIC, name, "kmsMasterKeyId", key.expected(),
                        currentKey == null || currentKey.isEmpty() ? null : currentKey), putKey);
            }
        }
        List<Subscription> existing = exists
                ? sns.listSubscriptionsByTopicPaginator(r -> r.topicArn(topicArn)).subscriptions().stream().toList()
                : List.of();
        return new Alerting(topicArn.split(":")[3], topicArn,
                planSubscriptions(plan, who, name, topicArn, existing, emails, sns));
    }

    /** Subscribes each configured address the topic does not have yet; never re-subscribes one. */
    static List<AlarmReport.Subscription> planSubscriptions(Plan plan, Change.Account who, String topicName,
                                                            String topicArn, List<Subscription> existing,
                                                            List<String> emails, SnsClient sns) {
        List<AlarmReport.Subscription> result = new ArrayList<>();
        for (String email : emails) {
            Optional<Subscription> found = existing.stream()
                    .filter(s -> EMAIL.equals(s.protocol()) && email.equalsIgnoreCase(s.endpoint()))
                    .findFirst();
            if (found.isEmpty()) {
                plan.add(Change.create(who, SUBSCRIPTION, topicName + "/" + email),
                        () -> sns.subscribe(r -> r.topicArn(topicArn).protocol(EMAIL).endpoint(email)));
                result.add(new AlarmReport.Subscription(EMAIL, email, AlarmReport.Subscription.MISSING));
            } else {
                String arn = found.get().subscriptionArn();
                result.add(new AlarmReport.Subscription(EMAIL, email, arn != null && arn.startsWith("arn:")
                        ? AlarmReport.Subscription.CONFIRMED : AlarmReport.Subscription.PENDING));
            }
        }
        return result;
    }

    /** The metric filter of row {@code f} on the trail's log group. */
    static void planMetricFilter(Plan plan, Change.Account who, CisMonitoring.Filter f, MetricFilter found,
                                 CloudWatchLogsClient logs) {
        // PutMetricFilter replaces a filter of the same name
        Runnable put = once(() -> logs.putMetricFilter(r -> r.logGroupName(Names.LOG_GROUP)
                .filterName(f.name())
                .filterPattern(f.pattern())
                .metricTransformations(MetricTransformation.builder()
                        .metricName(f.metric()).metricNamespace(NAMESPACE).metricValue("1").build())));
        if (found == null) {
            plan.add(Change.create(who, METRIC_FILTER, f.name()), put);
            return;
        }
        differences(filterSettings(f, found)).forEach((attribute, values) -> plan.add(Change.update(who,
                METRIC_FILTER, f.name(), attribute, values[0], values[1]), put));
    }

    static boolean matches(CisMonitoring.Filter f, MetricFilter filter) {
        return differences(filterSettings(f, filter)).isEmpty();
    }

    /** attribute -> {expected, actual} */
    private static Map<String, Object[]> filterSettings(CisMonitoring.Filter f, MetricFilter filter) {
        Map<String, Object[]> settings = new LinkedHashMap<>();
        settings.put("pattern", new Object[] {f.pattern(), filter.filterPattern()});
        settings.put("metricTransformations", new Object[] {
                List.of(Map.of("metricName", f.metric(), "metricNamespace", NAMESPACE, "metricValue", "1")),
                filter.metricTransformations().stream().map(t -> {
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("metricName", t.metricName());
                    m.put("metricNamespace", t.metricNamespace());
                    m.put("metricValue", t.metricValue());
                    return m;
                }).toList()});
        return settings;
    }

    /** The alarm of row {@code f}: its metric's sum over 5 minutes at least 1 notifies the topic. */
    static void planAlarm(Plan plan, Change.Account who, CisMonitoring.Filter f, MetricAlarm found, String topicArn,
                          CloudWatchClient cloudWatch) {
        Runnable put = once(() -> cloudWatch.putMetricAlarm(r -> r.alarmName(f.name())
                .alarmDescription(f.description())
                .metricName(f.metric()).namespace(NAMESPACE)
                .statistic(Statistic.SUM).period(300).evaluationPeriods(1).threshold(1.0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData("notBreaching")
                .actionsEnabled(true)
                .alarmActions(topicArn)));
        if (found == null) {
            plan.add(Change.create(who, ALARM, f.name()), put);
            return;
        }
        differences(alarmSettings(f, found, topicArn)).forEach((attribute, values) -> plan.add(Change.update(who,
                ALARM, f.name(), attribute, values[0], values[1]), put));
    }

    static boolean matches(CisMonitoring.Filter f, MetricAlarm a, String topicArn) {
        return differences(alarmSettings(f, a, topicArn)).isEmpty();
    }

    private static Map<String, Object[]> alarmSettings(CisMonitoring.Filter f, MetricAlarm a, String topicArn) {
        Map<String, Object[]> s = new LinkedHashMap<>();
        s.put("alarmDescription", new Object[] {f.description(), a.alarmDescription()});
        s.put("metricName", new Object[] {f.metric(), a.metricName()});
        s.put("namespace", new Object[] {NAMESPACE, a.namespace()});
        s.put("dimensions", new Object[] {List.of(),
                a.dimensions().stream().map(d -> d.name() + "=" + d.value()).toList()});
        s.put("statistic", new Object[] {Statistic.SUM.toString(), a.statisticAsString()});
        s.put("period", new Object[] {300, a.period()});
        s.put("evaluationPeriods", new Object[] {1, a.evaluationPeriods()});
        s.put("threshold", new Object[] {1.0, a.threshold()});
        s.put("comparisonOperator", new Object[] {
                ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD.toString(), a.comparisonOperatorAsString()});
        s.put("treatMissingData", new Object[] {"notBreaching", a.treatMissingData()});
        // an alarm read without the field has its actions enabled (the API's default)
        s.put("actionsEnabled", new Object[] {true, !Boolean.FALSE.equals(a.actionsEnabled())});
        s.put("alarmActions", new Object[] {List.of(topicArn), a.alarmActions()});
        return s;
    }

    /** The rule and its one target, in the region of {@code events}; {@code prefix} as for {@link #planTopic}. */
    static void planRule(Plan plan, Change.Account who, String prefix, EventBridgeClient events, String topicArn) {
        DescribeRuleResponse rule;
        try {
            rule = events.describeRule(r -> r.name(Names.ROOT_ACTIVITY_RULE));
        } catch (software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException e) {
            rule = null;
        }
        List<Target> targets = rule == null ? List.of()
                : events.listTargetsByRule(r -> r.rule(Names.ROOT_ACTIVITY_RULE)).targets();
        planRule(plan, who, prefix, rule, targets, topicArn, events);
    }

    static void planRule(Plan plan, Change.Account who, String prefix, DescribeRuleResponse rule,
                         List<Target> targets, String topicArn, EventBridgeClient events) {
        String name = prefix + Names.ROOT_ACTIVITY_RULE;
        JsonNode pattern = Policies.rootActivityPattern();
        Runnable put = once(() -> events.putRule(r -> r.name(Names.ROOT_ACTIVITY_RULE)
                .eventPattern(Policies.write(pattern))
                .state(RuleState.ENABLED)
                .description(RULE_DESCRIPTION)));
        if (rule == null) {
            plan.add(Change.create(who, RULE, name), put);
        } else {
            // an event pattern is no policy: its lists are kept as written (EventBridge wants lists)
            Map<String, Object[]> s = new LinkedHashMap<>();
            s.put("eventPattern", new Object[] {pattern, PolicyDocument.parse(rule.eventPattern())});
            s.put("state", new Object[] {RuleState.ENABLED.toString(), rule.stateAsString()});
            s.put("description", new Object[] {RULE_DESCRIPTION, rule.description()});
            differences(s).forEach((attribute, values) -> plan.add(Change.update(who, RULE, name, attribute,
                    values[0], values[1]), put));
        }
        String targetName = name + "/" + Names.ROOT_ACTIVITY_TARGET_ID;
        Runnable putTarget = once(() -> events.putTargets(r -> r.rule(Names.ROOT_ACTIVITY_RULE)
                .targets(t -> t.id(Names.ROOT_ACTIVITY_TARGET_ID).arn(topicArn))));
        Optional<Target> target = targets.stream().filter(t -> Names.ROOT_ACTIVITY_TARGET_ID.equals(t.id()))
                .findFirst();
        if (target.isEmpty()) {
            plan.add(Change.create(who, RULE_TARGET, targetName), putTarget);
            return;
        }
        Target t = target.get();
        Map<String, Object[]> s = new LinkedHashMap<>();
        s.put("arn", new Object[] {topicArn, t.arn()});
        s.put("input", new Object[] {null, t.input()});
        s.put("inputPath", new Object[] {null, t.inputPath()});
        s.put("inputTransformer", new Object[] {null,
                t.inputTransformer() == null ? null : t.inputTransformer().inputTemplate()});
        differences(s).forEach((attribute, values) -> plan.add(Change.update(who, RULE_TARGET, targetName,
                attribute, values[0], values[1]), putTarget));
    }

    /** The settings whose expected and actual differ (JSON trees compared as trees), in order. */
    private static Map<String, Object[]> differences(Map<String, Object[]> settings) {
        Map<String, Object[]> differ = new LinkedHashMap<>();
        settings.forEach((attribute, values) -> {
            if (!Objects.equals(values[0], values[1])) {
                differ.put(attribute, values);
            }
        });
        return differ;
    }

    /** A call made once however many changes (attributes of one resource) carry it. */
    static Runnable once(Runnable call) {
        boolean[] done = new boolean[1];
        return () -> {
            if (!done[0]) {
                call.run();
                done[0] = true;
            }
        };
    }

    private static List<String> emails(OrgConfig config) {
        return config.alerts() == null || config.alerts().emails() == null ? List.of() : config.alerts().emails();
    }

    /** One account's clients, built once per container and account. */
    private static final class Account {
        private final Clients clients;
        private final String id;
        private final AwsCredentialsProvider credentials;

        /** @param clients the clients of the region this account's resources are made in */
        Account(Clients clients, String id, AwsCredentialsProvider credentials) {
            this.clients = clients;
            this.id = id;
            this.credentials = credentials;
        }

        <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, String service) {
            return clients.cached(service + "|" + id, credentials, () -> clients.build(builder, credentials));
        }

        /** A client that never repeats a request, for CreateKey (a repeat after a lost answer makes a second key). */
        <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C keyMaker(B builder, String service) {
            return clients.cached(service + "|" + id + "|once", credentials,
                    () -> clients.buildWithoutRetries(builder, credentials));
        }
    }
}
