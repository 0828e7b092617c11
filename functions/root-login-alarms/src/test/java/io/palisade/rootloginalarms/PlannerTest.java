package io.palisade.rootloginalarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.Plan;
import io.palisade.common.testkit.CannedHttpClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
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
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.Subscription;

/** The planner's diff, from what a reading found: no AWS call is made while planning. */
class PlannerTest {
    private static final String ACCOUNT = "123456789012";
    private static final Change.Account PROD = new Change.Account(ACCOUNT, "prod");
    private static final String TRAIL = "arn:aws:cloudtrail:us-east-1:" + ACCOUNT + ":trail/palisade-trail";
    private static final String LOG_GROUP = "arn:aws:logs:us-east-1:" + ACCOUNT + ":log-group:palisade/cloudtrail:*";
    private static final String ROLE = "arn:aws:iam::" + ACCOUNT + ":role/PalisadeCloudTrailToLogs";
    private static final String TOPIC = "arn:aws:sns:us-east-1:" + ACCOUNT + ":palisade-root-alerts";
    private static final String KEY_ALIAS = "arn:aws:kms:us-east-1:" + ACCOUNT + ":alias/palisade-monitoring";
    private static final String KEY = "arn:aws:kms:us-east-1:" + ACCOUNT + ":key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private CannedHttpClient http;
    private Clients clients;
    private Plan plan;

    @BeforeEach
    void clients() {
        http = new CannedHttpClient(500, "InternalFailure");
        clients = new Clients(Region.US_EAST_1, URI.create("https://localhost:1"), http,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")));
        plan = new Plan();
    }

    @Test
    void plan_whenNothingExists_expectedEveryResourceAsCreateAndNoCall() {
        RootLoginAlarms.planLogGroup(plan, PROD, null, key(null), clients.build(CloudWatchLogsClient.builder()));
        boolean roleChanges = RootLoginAlarms.planDeliveryRole(plan, PROD, null, null, TRAIL, LOG_GROUP,
                clients.build(IamClient.builder()));
        plan.add(Change.create(PROD, RootLoginAlarms.TOPIC, Names.ROOT_ALERTS_TOPIC), () -> {});
        List<AlarmReport.Subscription> subscriptions = RootLoginAlarms.planSubscriptions(plan, PROD,
                Names.ROOT_ALERTS_TOPIC, TOPIC, List.of(), List.of("security@example.com"),
                clients.build(SnsClient.builder()));
        RootLoginAlarms.planMetricFilter(plan, PROD, CisMonitoring.ROOT_USAGE, null,
                clients.build(CloudWatchLogsClient.builder()));
        RootLoginAlarms.planAlarm(plan, PROD, CisMonitoring.ROOT_USAGE, null, TOPIC,
                clients.build(CloudWatchClient.builder()));
        RootLoginAlarms.planRule(plan, PROD, "us-east-1/", null, List.of(), TOPIC,
                clients.build(EventBridgeClient.builder()));

        assertThat(roleChanges).isTrue();
        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "+ logs:log-group prod/palisade/cloudtrail",
                "+ iam:role prod/PalisadeCloudTrailToLogs",
                "+ iam:role-policy prod/PalisadeCloudTrailToLogs/DeliverToPalisadeLogGroup",
                "+ sns:topic prod/palisade-root-alerts",
                "+ sns:subscription prod/palisade-root-alerts/security@example.com",
                "+ logs:metric-filter prod/palisade-root-usage",
                "+ cloudwatch:alarm prod/palisade-root-usage",
                "+ events:rule prod/us-east-1/palisade-root-activity",
                "+ events:target prod/us-east-1/palisade-root-activity/palisade-root-alerts");
        assertThat(plan.changes()).allSatisfy(c -> assertThat(c.account()).isEqualTo(PROD));
        assertThat(subscriptions).extracting(AlarmReport.Subscription::status)
                .containsExactly(AlarmReport.Subscription.MISSING);
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void plan_whenAllAsMade_expectedNoChange() {
        RootLoginAlarms.planLogGroup(plan, PROD, LogGroup.builder().logGroupName(Names.LOG_GROUP)
                .retentionInDays(365).kmsKeyId(KEY).build(), key(KEY), clients.build(CloudWatchLogsClient.builder()));
        boolean roleChanges = RootLoginAlarms.planDeliveryRole(plan, PROD, role(Policies.write(Policies.cloudTrailTrust(TRAIL))),
                Policies.write(Policies.logDelivery(LOG_GROUP)), TRAIL, LOG_GROUP, clients.build(IamClient.builder()));
        phase().planTrail(plan, PROD, trail(LOG_GROUP, ROLE), LOG_GROUP, ROLE, clients.build(CloudTrailClient.builder()),
                roleChanges);
        List<AlarmReport.Subscription> subscriptions = RootLoginAlarms.planSubscriptions(plan, PROD,
                Names.ROOT_ALERTS_TOPIC, TOPIC, List.of(Subscription.builder().protocol("email")
                        .endpoint("Security@Example.com").subscriptionArn("PendingConfirmation").build()),
                List.of("security@example.com"), clients.build(SnsClient.builder()));
        for (CisMonitoring.Filter f : CisMonitoring.FILTERS) {
            RootLoginAlarms.planMetricFilter(plan, PROD, f, filter(f, f.pattern()),
                    clients.build(CloudWatchLogsClient.builder()));
            RootLoginAlarms.planAlarm(plan, PROD, f, alarm(f).build(), TOPIC, clients.build(CloudWatchClient.builder()));
        }
        RootLoginAlarms.planRule(plan, PROD, "", rule(RuleState.ENABLED), List.of(target(TOPIC)), TOPIC,
                clients.build(EventBridgeClient.builder()));

        assertThat(roleChanges).isFalse();
        assertThat(plan.isEmpty()).as(plan.changes().toString()).isTrue();
        assertThat(subscriptions).extracting(AlarmReport.Subscription::status)
                .containsExactly(AlarmReport.Subscription.PENDING);
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void plan_whenRuleDisabled_expectedOneStateUpdate() {
        RootLoginAlarms.planRule(plan, PROD, "", rule(RuleState.DISABLED), List.of(target(TOPIC)), TOPIC,
                clients.build(EventBridgeClient.builder()));

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "~ events:rule prod/palisade-root-activity state: expected \"ENABLED\" actual \"DISABLED\"");
    }

    @Test
    void plan_whenTargetPointsElsewhere_expectedTargetArnUpdate() {
        String other = "arn:aws:sns:us-east-1:" + ACCOUNT + ":elsewhere";

        RootLoginAlarms.planRule(plan, PROD, "", rule(RuleState.ENABLED), List.of(target(other)), TOPIC,
                clients.build(EventBridgeClient.builder()));

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "~ events:target prod/palisade-root-activity/palisade-root-alerts arn: expected \"" + TOPIC
                        + "\" actual \"" + other + "\"");
    }

    @Test
    void plan_whenTrailDeliversElsewhereAndRetentionAndTrustDiffer_expectedAttributeUpdates() {
        RootLoginAlarms.planLogGroup(plan, PROD, LogGroup.builder().logGroupName(Names.LOG_GROUP)
                .retentionInDays(30).kmsKeyId(KEY).build(), key(KEY), clients.build(CloudWatchLogsClient.builder()));
        RootLoginAlarms.planDeliveryRole(plan, PROD, role("{\"Version\":\"2012-10-17\",\"Statement\":[]}"),
                Policies.write(Policies.logDelivery(LOG_GROUP)), TRAIL, LOG_GROUP, clients.build(IamClient.builder()));
        phase().planTrail(plan, PROD, trail("arn:aws:logs:us-east-1:" + ACCOUNT + ":log-group:other:*", ROLE),
                LOG_GROUP, ROLE, clients.build(CloudTrailClient.builder()), true);

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "~ logs:log-group prod/palisade/cloudtrail retentionInDays: expected 365 actual 30",
                "~ iam:role prod/PalisadeCloudTrailToLogs trust: expected "
                        + io.palisade.common.Json.write(Policies.cloudTrailTrust(TRAIL))
                        + " actual {\"Version\":\"2012-10-17\",\"Statement\":[]}",
                "~ cloudtrail:trail prod/palisade-trail cloudWatchLogsLogGroupArn: expected \"" + LOG_GROUP
                        + "\" actual \"arn:aws:logs:us-east-1:" + ACCOUNT + ":log-group:other:*\"");
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void plan_whenAlarmLoosenedAndFilterPatternChanged_expectedEachAttributeNamed() {
        CisMonitoring.Filter root = CisMonitoring.ROOT_USAGE;
        RootLoginAlarms.planAlarm(plan, PROD, root, alarm(root).threshold(5.0).actionsEnabled(false).build(), TOPIC,
                clients.build(CloudWatchClient.builder()));
        RootLoginAlarms.planMetricFilter(plan, PROD, root, filter(root, "{ $.userIdentity.type = \"Root\" }"),
                clients.build(CloudWatchLogsClient.builder()));

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "~ cloudwatch:alarm prod/palisade-root-usage threshold: expected 1.0 actual 5.0",
                "~ cloudwatch:alarm prod/palisade-root-usage actionsEnabled: expected true actual false",
                "~ logs:metric-filter prod/palisade-root-usage pattern: expected "
                        + io.palisade.common.Json.write(RootLoginAlarms.PATTERN)
                        + " actual \"{ $.userIdentity.type = \\\"Root\\\" }\"");
    }

    @Test
    void plan_whenCisFilterMissingAndAnotherAlarmRenamedMetric_expectedCreateAndMetricUpdateOnly() {
        CisMonitoring.Filter policyChanges = CisMonitoring.FILTERS.get(3);
        CisMonitoring.Filter vpc = CisMonitoring.FILTERS.get(13);

        RootLoginAlarms.planMetricFilter(plan, PROD, policyChanges, null, clients.build(CloudWatchLogsClient.builder()));
        RootLoginAlarms.planAlarm(plan, PROD, policyChanges, alarm(policyChanges).build(), TOPIC,
                clients.build(CloudWatchClient.builder()));
        RootLoginAlarms.planAlarm(plan, PROD, vpc, alarm(vpc).metricName("Other").build(), TOPIC,
                clients.build(CloudWatchClient.builder()));

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "+ logs:metric-filter prod/palisade-cis-iam-policy-changes",
                "~ cloudwatch:alarm prod/palisade-cis-vpc-changes metricName: expected \"VPCChanges\" actual \"Other\"");
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void plan_whenLogGroupHasNoKeyOrAnother_expectedKmsKeyIdUpdateNamingTheMonitoringKey() {
        LogGroup unencrypted = LogGroup.builder().logGroupName(Names.LOG_GROUP).retentionInDays(365).build();
        String other = "arn:aws:kms:us-east-1:" + ACCOUNT + ":key/other";

        RootLoginAlarms.planLogGroup(plan, PROD, unencrypted, key(null), clients.build(CloudWatchLogsClient.builder()));
        RootLoginAlarms.planLogGroup(plan, PROD, unencrypted.toBuilder().kmsKeyId(other).build(), key(KEY),
                clients.build(CloudWatchLogsClient.builder()));
        RootLoginAlarms.planLogGroup(plan, PROD, unencrypted.toBuilder().kmsKeyId(KEY).build(), key(KEY),
                clients.build(CloudWatchLogsClient.builder()));

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "~ logs:log-group prod/palisade/cloudtrail kmsKeyId: expected \"" + KEY_ALIAS + "\" actual null",
                "~ logs:log-group prod/palisade/cloudtrail kmsKeyId: expected \"" + KEY + "\" actual \"" + other + "\"");
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void once_whenSeveralChangesShareOneCall_expectedOneCall() {
        List<String> calls = new ArrayList<>();
        Runnable put = RootLoginAlarms.once(() -> calls.add("PutMetricAlarm"));
        Plan shared = new Plan()
                .add(Change.update(PROD, "cloudwatch:alarm", "a", "threshold", 1.0, 5.0), put)
                .add(Change.update(PROD, "cloudwatch:alarm", "a", "actionsEnabled", true, false), put);

        assertThat(shared.apply()).hasSize(2);
        assertThat(calls).containsExactly("PutMetricAlarm");
    }

    private RootLoginAlarms phase() {
        return new RootLoginAlarms(clients, task -> account -> clients.baseCredentials());
    }

    private static Role role(String trust) {
        return Role.builder().roleName(Names.DELIVERY_ROLE).assumeRolePolicyDocument(trust).build();
    }

    private static Trail trail(String logGroup, String role) {
        return Trail.builder().name(Names.TRAIL).trailARN(TRAIL).cloudWatchLogsLogGroupArn(logGroup)
                .cloudWatchLogsRoleArn(role).build();
    }

    private static MonitoringKey.Ref key(String arn) {
        MonitoringKey.Ref key = new MonitoringKey.Ref(KEY_ALIAS);
        key.set(arn);
        return key;
    }

    private static MetricFilter filter(CisMonitoring.Filter f, String pattern) {
        return MetricFilter.builder().filterName(f.name()).filterPattern(pattern)
                .metricTransformations(MetricTransformation.builder().metricName(f.metric())
                        .metricNamespace(CisMonitoring.NAMESPACE).metricValue("1").build())
                .build();
    }

    private static MetricAlarm.Builder alarm(CisMonitoring.Filter f) {
        return MetricAlarm.builder().alarmName(f.name()).alarmDescription(f.description())
                .metricName(f.metric()).namespace(CisMonitoring.NAMESPACE).statistic(Statistic.SUM)
                .period(300).evaluationPeriods(1).threshold(1.0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData("notBreaching").actionsEnabled(true).alarmActions(TOPIC);
    }

    private static DescribeRuleResponse rule(RuleState state) {
        return DescribeRuleResponse.builder().name(Names.ROOT_ACTIVITY_RULE)
                .eventPattern(Policies.write(Policies.rootActivityPattern())).state(state)
                .description(RootLoginAlarms.RULE_DESCRIPTION).build();
    }

    private static Target target(String arn) {
        return Target.builder().id(Names.ROOT_ACTIVITY_TARGET_ID).arn(arn).build();
    }
}
