package io.palisade.rootloginalarms;

import io.palisade.common.Names;
import io.palisade.common.aws.AccountAccess;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.policy.PolicyDocument;
import io.palisade.common.errors.PrerequisiteMissingException;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import java.time.Duration;
import java.util.ArrayList;
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
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eventbridge.model.RuleState;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.NotFoundException;
import software.amazon.awssdk.services.sns.model.Subscription;

/**
 * Root-user alerting in one account, as the seed's CloudWatch alarms did and CIS AWS Foundations
 * asks: the account's trail also delivers to a CloudWatch Logs group; a metric filter counts root
 * usage and an alarm on it notifies an SNS topic; an EventBridge rule sends root console sign-ins
 * and root API calls to the same topic at once.
 *
 * <p>All of it in the organization's home region ({@code organization.region}). CloudTrail
 * records every root console sign-in in us-east-1, whatever the home region, and EventBridge
 * sees an event only in the region where it was recorded: outside us-east-1 the rule (and the
 * topic it targets, since a rule publishes only to a topic of its own region) is made there too.
 *
 * <p>Every resource is read first and written only when it differs, so a re-run changes nothing.
 */
public final class RootLoginAlarms {
    public static final int RETENTION_DAYS = 365;
    public static final String METRIC = "RootAccountUsage";
    public static final String NAMESPACE = "CISBenchmark";
    static final String PATTERN = Policies.ROOT_USAGE_PATTERN;
    static final String ALARM_DESCRIPTION = "The root user of this account was used (CIS AWS Foundations)";
    static final String RULE_DESCRIPTION = "Root user console sign-in or API call: notify " + Names.ROOT_ALERTS_TOPIC;
    private static final String EMAIL = "email";
    /** Where CloudTrail records root console sign-ins (AWS CloudTrail User Guide, console sign-in events). */
    static final Region SIGN_IN_REGION = Region.US_EAST_1;
    private static final int TRAIL_UPDATE_ATTEMPTS = 8;
    private static final Logger LOG = LoggerFactory.getLogger(RootLoginAlarms.class);

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

    public AlarmReport apply(AccountTask task) {
        clients.calls().drain();
        String account = task.target().accountId();
        AwsCredentialsProvider creds = access.apply(task).in(account);
        Clients home = clients.inHomeRegion(task.config());
        Account a = new Account(home, account, creds);

        // the one precondition, checked before anything is written
        Trail trail = trail(a.client(CloudTrailClient.builder(), "cloudtrail"), account, home.region());
        String logGroupArn = Names.logGroupArn(home.partition(), home.region().id(), account, Names.LOG_GROUP);

        CloudWatchLogsClient logs = a.client(CloudWatchLogsClient.builder(), "logs");
        ensureLogGroup(logs);
        IamClient iam = a.client(IamClient.builder(), "iam");
        boolean roleChanged = ensureDeliveryRole(iam, trail.trailARN(), logGroupArn);
        ensureTrailDelivery(a.client(CloudTrailClient.builder(), "cloudtrail"), trail, logGroupArn,
                Names.roleArn(home.partition(), account, Names.DELIVERY_ROLE), roleChanged);

        SnsClient sns = a.client(SnsClient.builder(), "sns");
        String topicArn = ensureTopic(sns, home, account);
        List<AlarmReport.Subscription> subscriptions = ensureSubscriptions(sns, topicArn, emails(task.config()));

        ensureMetricFilter(logs);
        String alarmArn = ensureAlarm(a.client(CloudWatchClient.builder(), "cloudwatch"), topicArn);
        ensureRule(a.client(EventBridgeClient.builder(), "events"), topicArn);
        AlarmReport.SignInRule signIn = ensureSignInRule(home, account, creds, emails(task.config()));

        List<String> changes = clients.calls().drain();
        LOG.info("Root-login alarms in {} ({}, {}{}): {} change(s)", task.target().key(), account, home.region().id(),
                signIn == null ? "" : " and " + signIn.region(), changes.size());
        return new AlarmReport(task.target().key(), account, home.region().id(), Names.LOG_GROUP,
                Names.ROOT_USAGE_METRIC_FILTER, PATTERN,
                Names.ROOT_USAGE_ALARM, alarmArn, topicArn, subscriptions, Names.ROOT_ACTIVITY_RULE, signIn, changes);
    }

    /**
     * Where root console sign-ins must also be caught: {@link #SIGN_IN_REGION} when the home
     * region is another region of the {@code aws} partition; {@code null} when the home rule
     * already sees them (home in us-east-1) or the partition has no us-east-1.
     */
    static Region signInRegion(Region home, String partition) {
        return "aws".equals(partition) && !SIGN_IN_REGION.equals(home) ? SIGN_IN_REGION : null;
    }

    /** The same topic (policy, subscriptions) and rule in {@link #signInRegion}, if the home region is not it. */
    private AlarmReport.SignInRule ensureSignInRule(Clients home, String account, AwsCredentialsProvider creds,
                                                    List<String> emails) {
        Region region = signInRegion(home.region(), home.partition());
        if (region == null) {
            return null;
        }
        Clients there = clients.inRegion(region);
        Account a = new Account(there, account, creds);
        SnsClient sns = a.client(SnsClient.builder(), "sns");
        String topicArn = ensureTopic(sns, there, account);
        List<AlarmReport.Subscription> subscriptions = ensureSubscriptions(sns, topicArn, emails);
        ensureRule(a.client(EventBridgeClient.builder(), "events"), topicArn);
        return new AlarmReport.SignInRule(region.id(), Names.ROOT_ACTIVITY_RULE, topicArn, subscriptions,
                "root console sign-ins are recorded in " + region.id() + " only");
    }

    private Trail trail(CloudTrailClient cloudTrail, String account, Region region) {
        try {
            return cloudTrail.getTrail(r -> r.name(Names.TRAIL)).trail();
        } catch (TrailNotFoundException e) {
            throw new PrerequisiteMissingException("CloudTrail trail '" + Names.TRAIL + "' does not exist in account "
                    + account
                    + " (" + region.id() + "): the apply-accounts phase creates it; run it first", e);
        }
    }

    private void ensureLogGroup(CloudWatchLogsClient logs) {
        Optional<LogGroup> existing = logs.describeLogGroupsPaginator(r -> r.logGroupNamePrefix(Names.LOG_GROUP))
                .logGroups().stream().filter(g -> Names.LOG_GROUP.equals(g.logGroupName())).findFirst();
        if (existing.isEmpty()) {
            ChangeExecutor.create("logs:log-group", Names.LOG_GROUP,
                    () -> logs.createLogGroup(r -> r.logGroupName(Names.LOG_GROUP)));
        }
        if (existing.map(LogGroup::retentionInDays).filter(d -> d == RETENTION_DAYS).isEmpty()) {
            logs.putRetentionPolicy(r -> r.logGroupName(Names.LOG_GROUP).retentionInDays(RETENTION_DAYS));
        }
    }

    /** @return whether the role or its policy was written (CloudTrail may not see it for a few seconds) */
    private boolean ensureDeliveryRole(IamClient iam, String trailArn, String logGroupArn) {
        boolean changed = false;
        JsonNode trust = Policies.cloudTrailTrust(trailArn);
        Role role = role(iam);
        if (role == null) {
            if (ChangeExecutor.create("iam:role", Names.DELIVERY_ROLE, () -> iam.createRole(r -> r
                    .roleName(Names.DELIVERY_ROLE)
                    .assumeRolePolicyDocument(Policies.write(trust))
                    .description("CloudTrail delivers " + Names.TRAIL + " events to the " + Names.LOG_GROUP
                            + " log group")))
                    == ChangeExecutor.Outcome.ALREADY_DONE) {
                // a lost answer: made with this trust
                iam.updateAssumeRolePolicy(r -> r.roleName(Names.DELIVERY_ROLE).policyDocument(Policies.write(trust)));
            }
            changed = true;
        } else if (!PolicyDocument.equivalent(PolicyDocument.parse(role.assumeRolePolicyDocument()), trust)) {
            iam.updateAssumeRolePolicy(r -> r.roleName(Names.DELIVERY_ROLE).policyDocument(Policies.write(trust)));
            changed = true;
        }
        JsonNode policy = Policies.logDelivery(logGroupArn);
        if (!PolicyDocument.equivalent(PolicyDocument.parse(rolePolicy(iam)), policy)) {
            iam.putRolePolicy(r -> r.roleName(Names.DELIVERY_ROLE).policyName(Names.DELIVERY_POLICY)
                    .policyDocument(Policies.write(policy)));
            changed = true;
        }
        return changed;
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

    private void ensureTrailDelivery(CloudTrailClient cloudTrail, Trail trail, String logGroupArn, String roleArn,
                                     boolean roleIsNew) {
        if (logGroupArn.equals(trail.cloudWatchLogsLogGroupArn()) && roleArn.equals(trail.cloudWatchLogsRoleArn())) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                cloudTrail.updateTrail(r -> r.name(trail.trailARN())
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

    /** @param in the clients of the topic's region: its ARN carries that region */
    private static String ensureTopic(SnsClient sns, Clients in, String account) {
        String topicArn = Names.topicArn(in.partition(), in.region().id(), account, Names.ROOT_ALERTS_TOPIC);
        String current;
        try {
            current = sns.getTopicAttributes(r -> r.topicArn(topicArn)).attributes().get("Policy");
        } catch (NotFoundException e) {
            sns.createTopic(r -> r.name(Names.ROOT_ALERTS_TOPIC));
            current = null;
        }
        JsonNode policy = Policies.topicPolicy(topicArn, account);
        if (!PolicyDocument.equivalent(PolicyDocument.parse(current), policy)) {
            sns.setTopicAttributes(r -> r.topicArn(topicArn).attributeName("Policy")
                    .attributeValue(Policies.write(policy)));
        }
        return topicArn;
    }

    /** Subscribes each configured address the topic does not have yet; never re-subscribes one. */
    private static List<AlarmReport.Subscription> ensureSubscriptions(SnsClient sns, String topicArn,
                                                                     List<String> emails) {
        List<Subscription> existing = sns.listSubscriptionsByTopicPaginator(r -> r.topicArn(topicArn))
                .subscriptions().stream().toList();
        List<AlarmReport.Subscription> result = new ArrayList<>();
        for (String email : emails) {
            Optional<Subscription> found = existing.stream()
                    .filter(s -> EMAIL.equals(s.protocol()) && email.equalsIgnoreCase(s.endpoint()))
                    .findFirst();
            String arn = found.isPresent() ? found.get().subscriptionArn()
                    : sns.subscribe(r -> r.topicArn(topicArn).protocol(EMAIL).endpoint(email)).subscriptionArn();
            result.add(new AlarmReport.Subscription(EMAIL, email, arn != null && arn.startsWith("arn:")
                    ? AlarmReport.Subscription.CONFIRMED : AlarmReport.Subscription.PENDING));
        }
        return result;
    }

    private static void ensureMetricFilter(CloudWatchLogsClient logs) {
        List<MetricFilter> filters = logs.describeMetricFiltersPaginator(r -> r.logGroupName(Names.LOG_GROUP)
                .filterNamePrefix(Names.ROOT_USAGE_METRIC_FILTER)).metricFilters().stream()
                .filter(f -> Names.ROOT_USAGE_METRIC_FILTER.equals(f.filterName())).toList();
        // PutMetricFilter replaces a filter of the same name; put only when it differs
        if (filters.size() == 1 && matches(filters.get(0))) {
            return;
        }
        logs.putMetricFilter(r -> r.logGroupName(Names.LOG_GROUP).filterName(Names.ROOT_USAGE_METRIC_FILTER)
                .filterPattern(PATTERN)
                .metricTransformations(MetricTransformation.builder()
                        .metricName(METRIC).metricNamespace(NAMESPACE).metricValue("1").build()));
    }

    static boolean matches(MetricFilter filter) {
        if (!PATTERN.equals(filter.filterPattern()) || filter.metricTransformations().size() != 1) {
            return false;
        }
        MetricTransformation t = filter.metricTransformations().get(0);
        return METRIC.equals(t.metricName()) && NAMESPACE.equals(t.metricNamespace()) && "1".equals(t.metricValue());
    }

    private String ensureAlarm(CloudWatchClient cloudWatch, String topicArn) {
        Optional<MetricAlarm> existing = alarm(cloudWatch);
        if (existing.isPresent() && matches(existing.get(), topicArn)) {
            return existing.get().alarmArn();
        }
        cloudWatch.putMetricAlarm(r -> r.alarmName(Names.ROOT_USAGE_ALARM)
                .alarmDescription(ALARM_DESCRIPTION)
                .metricName(METRIC).namespace(NAMESPACE)
                .statistic(Statistic.SUM).period(300).evaluationPeriods(1).threshold(1.0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData("notBreaching")
                .actionsEnabled(true)
                .alarmActions(topicArn));
        return alarm(cloudWatch).map(MetricAlarm::alarmArn).orElse(null);
    }

    private static Optional<MetricAlarm> alarm(CloudWatchClient cloudWatch) {
        return cloudWatch.describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms().stream()
                .filter(m -> Names.ROOT_USAGE_ALARM.equals(m.alarmName())).findFirst();
    }

    static boolean matches(MetricAlarm a, String topicArn) {
        return METRIC.equals(a.metricName()) && NAMESPACE.equals(a.namespace())
                && a.statistic() == Statistic.SUM && Objects.equals(a.period(), 300)
                && Objects.equals(a.evaluationPeriods(), 1) && Objects.equals(a.threshold(), 1.0)
                && a.comparisonOperator() == ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
                && "notBreaching".equals(a.treatMissingData())
                && !Boolean.FALSE.equals(a.actionsEnabled())
                && a.alarmActions().equals(List.of(topicArn))
                && a.dimensions().isEmpty()
                && ALARM_DESCRIPTION.equals(a.alarmDescription());
    }

    private static void ensureRule(EventBridgeClient events, String topicArn) {
        JsonNode pattern = Policies.rootActivityPattern();
        DescribeRuleResponse rule;
        try {
            rule = events.describeRule(r -> r.name(Names.ROOT_ACTIVITY_RULE));
        } catch (ResourceNotFoundException e) {
            rule = null;
        }
        // an event pattern is no policy: its lists are kept as written (EventBridge wants lists)
        if (rule == null || !pattern.equals(PolicyDocument.parse(rule.eventPattern()))
                || rule.state() != RuleState.ENABLED || !RULE_DESCRIPTION.equals(rule.description())) {
            events.putRule(r -> r.name(Names.ROOT_ACTIVITY_RULE).eventPattern(Policies.write(pattern))
                    .state(RuleState.ENABLED)
                    .description(RULE_DESCRIPTION));
        }
        boolean targeted = events.listTargetsByRule(r -> r.rule(Names.ROOT_ACTIVITY_RULE)).targets().stream()
                .anyMatch(t -> Names.ROOT_ACTIVITY_TARGET_ID.equals(t.id()) && topicArn.equals(t.arn())
                        && t.input() == null
                        && t.inputPath() == null && t.inputTransformer() == null);
        if (!targeted) {
            events.putTargets(r -> r.rule(Names.ROOT_ACTIVITY_RULE)
                    .targets(t -> t.id(Names.ROOT_ACTIVITY_TARGET_ID).arn(topicArn)));
        }
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
    }
}
