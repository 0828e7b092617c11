package io.palisade.rootloginalarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.palisade.common.Names;
import io.palisade.common.Json;
import io.palisade.common.policy.PolicyDocument;
import io.palisade.common.aws.AuditAccess;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.MetricFilter;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.sns.SnsClient;

/** Against the emulated organization (moto): root-usage alerting in a member account, twice. */
class RootLoginAlarmsIT {
    private static Clients clients;
    private static OrgConfig config;
    private static RunState.Org org;
    private static RootLoginAlarms phase;

    @BeforeAll
    static void organization() {
        clients = Emulator.clients();
        config = Emulator.config("rla-" + UUID.randomUUID().toString().substring(0, 8));
        org = Emulator.accounts(clients, config);
        phase = new RootLoginAlarms(clients, task -> Emulator.orgAccess(clients), Duration.ZERO);
    }

    @Test
    void apply_whenTrailExists_expectedAlertingInPlaceAndReRunChangesNothing() {
        RunState.Target prod = target("prod");
        AwsCredentialsProvider creds = Emulator.orgAccess(clients, prod.accountId());
        createTrail(creds);
        String account = prod.accountId();
        String topicArn = "arn:aws:sns:us-east-1:" + account + ":palisade-root-alerts";

        AlarmReport planned = phase.report(task(prod, "plan", null));
        assertThat(clients.calls().drain()).as("a plan makes no changing call").isEmpty();
        assertThat(planned.applied()).isFalse();
        assertThat(planned.alarmArn()).isNull();

        AlarmReport first = phase.apply(task(prod));

        assertThat(first.changes()).as("the plan is what apply made").isEqualTo(planned.changes());
        List<String> expected = new ArrayList<>(List.of(
                "+ kms:key prod/alias/palisade-monitoring",
                "+ logs:log-group prod/palisade/cloudtrail",
                "+ iam:role prod/PalisadeCloudTrailToLogs",
                "+ iam:role-policy prod/PalisadeCloudTrailToLogs/DeliverToPalisadeLogGroup",
                "~ cloudtrail:trail prod/palisade-trail cloudWatchLogsLogGroupArn: expected \"arn:aws:logs:us-east-1:"
                        + account + ":log-group:palisade/cloudtrail:*\" actual null",
                "~ cloudtrail:trail prod/palisade-trail cloudWatchLogsRoleArn: expected \"arn:aws:iam::" + account
                        + ":role/PalisadeCloudTrailToLogs\" actual null",
                "+ sns:topic prod/palisade-root-alerts",
                "+ sns:subscription prod/palisade-root-alerts/security@example.com"));
        for (CisMonitoring.Filter f : CisMonitoring.FILTERS) {
            expected.add("+ logs:metric-filter prod/" + f.name());
            expected.add("+ cloudwatch:alarm prod/" + f.name());
        }
        expected.addAll(List.of("+ events:rule prod/palisade-root-activity",
                "+ events:target prod/palisade-root-activity/palisade-root-alerts"));
        assertThat(first.changes()).containsExactlyElementsOf(expected);
        assertThat(first.cisAlarms()).hasSize(15).startsWith(Names.ROOT_USAGE_ALARM);
        assertThat(first.applied()).isTrue();
        assertThat(first.topicArn()).isEqualTo(topicArn);
        assertThat(first.region()).isEqualTo("us-east-1");
        assertThat(first.signIn()).as("the home rule sees root sign-ins in us-east-1").isNull();
        assertThat(first.pattern()).isEqualTo(RootLoginAlarms.PATTERN);
        assertThat(first.alarmArn()).isNotBlank();
        assertThat(first.subscriptions()).singleElement()
                .satisfies(s -> assertThat(s.endpoint()).isEqualTo("security@example.com"));

        Trail trail = clients.build(CloudTrailClient.builder(), creds).getTrail(r -> r.name(Names.TRAIL)).trail();
        assertThat(trail.cloudWatchLogsLogGroupArn())
                .isEqualTo("arn:aws:logs:us-east-1:" + account + ":log-group:palisade/cloudtrail:*");
        assertThat(trail.cloudWatchLogsRoleArn())
                .isEqualTo("arn:aws:iam::" + account + ":role/PalisadeCloudTrailToLogs");

        IamClient iam = clients.build(IamClient.builder(), creds);
        String trust = iam.getRole(r -> r.roleName(Names.DELIVERY_ROLE)).role().assumeRolePolicyDocument();
        assertThat(PolicyDocument.parse(trust).toString()).contains("cloudtrail.amazonaws.com")
                .contains(trail.trailARN());

        // the monitoring key: made once, rotated, its policy as written; the log group and topic use it
        KmsClient kms = clients.build(KmsClient.builder(), creds);
        KeyMetadata key = kms.describeKey(r -> r.keyId(MonitoringKey.ALIAS)).keyMetadata();
        assertThat(first.kmsKeyArn()).isEqualTo(key.arn()).startsWith("arn:aws:kms:us-east-1:" + account + ":key/");
        assertThat(kms.getKeyRotationStatus(r -> r.keyId(key.keyId())).keyRotationEnabled()).isTrue();
        assertThat(PolicyDocument.parse(kms.getKeyPolicy(r -> r.keyId(key.keyId()).policyName("default")).policy()))
                .isEqualTo(Policies.monitoringKeyPolicy("aws", "us-east-1", account, Names.LOG_GROUP));
        assertThat(kms.listResourceTags(r -> r.keyId(key.keyId())).tags())
                .anySatisfy(t -> assertThat(t.tagKey() + "=" + t.tagValue()).isEqualTo("palisade:managed=true"));
        CloudWatchLogsClient logs = clients.build(CloudWatchLogsClient.builder(), creds);
        assertThat(logs.describeLogGroups(r -> r.logGroupNamePrefix(Names.LOG_GROUP)).logGroups())
                .singleElement().satisfies(g -> {
                    assertThat(g.retentionInDays()).isEqualTo(365);
                    assertThat(g.kmsKeyId()).isEqualTo(key.arn());
                });
        // every CIS filter on the trail's log group, its pattern exactly the table's, each with its alarm
        var allFilters = logs.describeMetricFilters(r -> r.logGroupName(Names.LOG_GROUP)).metricFilters();
        assertThat(allFilters).hasSize(CisMonitoring.FILTERS.size());
        CloudWatchClient alarms = clients.build(CloudWatchClient.builder(), creds);
        for (CisMonitoring.Filter f : CisMonitoring.FILTERS) {
            assertThat(allFilters).filteredOn(m -> m.filterName().equals(f.name())).singleElement().satisfies(m -> {
                assertThat(m.filterPattern()).as(f.control()).isEqualTo(f.pattern());
                assertThat(m.metricTransformations()).singleElement().satisfies(t -> {
                    assertThat(t.metricName()).isEqualTo(f.metric());
                    assertThat(t.metricNamespace()).isEqualTo("CISBenchmark");
                    assertThat(t.metricValue()).isEqualTo("1");
                });
            });
            assertThat(alarms.describeAlarms(r -> r.alarmNames(f.name())).metricAlarms()).as(f.name()).singleElement()
                    .satisfies(a -> {
                        assertThat(a.metricName()).isEqualTo(f.metric());
                        assertThat(a.namespace()).isEqualTo("CISBenchmark");
                        assertThat(a.statistic()).isEqualTo(Statistic.SUM);
                        assertThat(a.threshold()).isEqualTo(1.0);
                        assertThat(a.comparisonOperator())
                                .isEqualTo(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
                        assertThat(a.alarmActions()).containsExactly(topicArn);
                    });
        }
        MetricFilter filter = logs.describeMetricFilters(r -> r.logGroupName(Names.LOG_GROUP))
                .metricFilters().stream().filter(f -> f.filterName().equals(Names.ROOT_USAGE_ALARM))
                .reduce((a, b) -> { throw new AssertionError("duplicate metric filter"); }).orElseThrow();
        assertThat(filter.filterPattern()).isEqualTo("{ $.userIdentity.type = \"Root\" && "
                + "$.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }");
        assertThat(filter.metricTransformations()).singleElement().satisfies(t -> {
            assertThat(t.metricName()).isEqualTo("RootAccountUsage");
            assertThat(t.metricNamespace()).isEqualTo("CISBenchmark");
            assertThat(t.metricValue()).isEqualTo("1");
        });

        MetricAlarm alarm = clients.build(CloudWatchClient.builder(), creds)
                .describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms().get(0);
        assertThat(alarm.statistic()).isEqualTo(Statistic.SUM);
        assertThat(alarm.period()).isEqualTo(300);
        assertThat(alarm.evaluationPeriods()).isEqualTo(1);
        assertThat(alarm.threshold()).isEqualTo(1.0);
        assertThat(alarm.comparisonOperator()).isEqualTo(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        assertThat(alarm.treatMissingData()).isEqualTo("notBreaching");
        assertThat(alarm.alarmActions()).containsExactly(topicArn);
        assertThat(alarm.alarmArn()).isEqualTo(first.alarmArn());

        SnsClient sns = clients.build(SnsClient.builder(), creds);
        assertThat(sns.listSubscriptionsByTopic(r -> r.topicArn(topicArn)).subscriptions())
                .singleElement().satisfies(s -> {
                    assertThat(s.protocol()).isEqualTo("email");
                    assertThat(s.endpoint()).isEqualTo("security@example.com");
                });
        String topicPolicy = sns.getTopicAttributes(r -> r.topicArn(topicArn)).attributes().get("Policy");
        assertThat(PolicyDocument.parse(topicPolicy)).isEqualTo(Policies.topicPolicy(topicArn, account));
        assertThat(sns.getTopicAttributes(r -> r.topicArn(topicArn)).attributes().get("KmsMasterKeyId"))
                .isEqualTo(key.arn());

        EventBridgeClient events = clients.build(EventBridgeClient.builder(), creds);
        var rule = events.describeRule(r -> r.name(Names.ROOT_ACTIVITY_RULE));
        assertThat(PolicyDocument.parse(rule.eventPattern())).isEqualTo(Policies.rootActivityPattern());
        assertThat(rule.stateAsString()).isEqualTo("ENABLED");
        assertThat(events.listTargetsByRule(r -> r.rule(Names.ROOT_ACTIVITY_RULE)).targets())
                .extracting(Target::id, Target::arn).containsExactly(
                        tuple(Names.ROOT_ALERTS_TOPIC, topicArn));

        AlarmReport second = phase.apply(task(prod));

        assertThat(second.changes()).isEmpty();
        assertThat(second.alarmArn()).isEqualTo(first.alarmArn());
        assertThat(second.kmsKeyArn()).isEqualTo(first.kmsKeyArn());
        assertThat(kms.listAliases().aliases()).filteredOn(a -> MonitoringKey.ALIAS.equals(a.aliasName())).hasSize(1);
        assertThat(sns.listSubscriptionsByTopic(r -> r.topicArn(topicArn)).subscriptions()).hasSize(1);
        assertThat(Json.write(second)).contains("\"changes\":[]");

        // drift: someone loosened the alarm; the next run repairs only that
        CloudWatchClient cloudWatch = clients.build(CloudWatchClient.builder(), creds);
        cloudWatch.putMetricAlarm(r -> r.alarmName(Names.ROOT_USAGE_ALARM).metricName("RootAccountUsage")
                .namespace("CISBenchmark").statistic(Statistic.SUM).period(300).evaluationPeriods(1).threshold(5.0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .alarmActions(topicArn));
        clients.calls().drain();

        AlarmReport third = phase.apply(task(prod));

        assertThat(third.changes()).allSatisfy(c -> assertThat(c).startsWith("~ cloudwatch:alarm prod/palisade-root-usage "))
                .contains("~ cloudwatch:alarm prod/palisade-root-usage threshold: expected 1.0 actual 5.0");
        assertThat(cloudWatch.describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms().get(0)
                .threshold()).isEqualTo(1.0);
        assertThat(phase.plan(task(prod)).changes()).isEmpty();

        // drift: a CIS filter deleted, the topic's key removed, the key's rotation off: each named, none repaired
        // by a plan; the next apply repairs exactly these
        CisMonitoring.Filter vpc = CisMonitoring.FILTERS.stream().filter(f -> f.control().equals("CloudWatch.14"))
                .findFirst().orElseThrow();
        logs.deleteMetricFilter(r -> r.logGroupName(Names.LOG_GROUP).filterName(vpc.name()));
        sns.setTopicAttributes(r -> r.topicArn(topicArn).attributeName("KmsMasterKeyId").attributeValue(""));
        kms.disableKeyRotation(r -> r.keyId(key.keyId()));
        clients.calls().drain();

        AlarmReport drifted = phase.report(task(prod, RunState.DRIFT, null));

        assertThat(drifted.changes()).containsExactly(
                "~ kms:key prod/alias/palisade-monitoring rotation: expected true actual false",
                "~ sns:topic prod/palisade-root-alerts kmsMasterKeyId: expected \"" + key.arn() + "\" actual null",
                "+ logs:metric-filter prod/" + vpc.name());
        assertThat(clients.calls().drain()).as("a drift run without repair changes nothing").isEmpty();
        assertThat(phase.apply(task(prod)).changes()).isEqualTo(drifted.changes());
        assertThat(logs.describeMetricFilters(r -> r.logGroupName(Names.LOG_GROUP).filterNamePrefix(vpc.name()))
                .metricFilters()).singleElement().satisfies(m -> assertThat(m.filterPattern()).isEqualTo(vpc.pattern()));
        assertThat(sns.getTopicAttributes(r -> r.topicArn(topicArn)).attributes().get("KmsMasterKeyId"))
                .isEqualTo(key.arn());
        assertThat(kms.getKeyRotationStatus(r -> r.keyId(key.keyId())).keyRotationEnabled()).isTrue();
        assertThat(phase.plan(task(prod)).changes()).isEmpty();

        // drift without repair: named, not repaired, no changing call
        EventBridgeClient rules = clients.build(EventBridgeClient.builder(), creds);
        rules.disableRule(r -> r.name(Names.ROOT_ACTIVITY_RULE));
        clients.calls().drain();

        AlarmReport drift = phase.report(task(prod, RunState.DRIFT, null));

        assertThat(drift.applied()).isFalse();
        assertThat(drift.mode()).isEqualTo("drift");
        assertThat(drift.changes()).containsExactly(
                "~ events:rule prod/palisade-root-activity state: expected \"ENABLED\" actual \"DISABLED\"");
        assertThat(clients.calls().drain()).isEmpty();
        assertThat(rules.describeRule(r -> r.name(Names.ROOT_ACTIVITY_RULE)).stateAsString()).isEqualTo("DISABLED");
        assertThat(phase.report(task(prod, "plan", true)).applied()).as("plan never applies").isFalse();
        assertThat(clients.calls().drain()).isEmpty();

        AlarmReport repaired = phase.report(task(prod, RunState.DRIFT, true));

        assertThat(repaired.applied()).isTrue();
        assertThat(repaired.changes()).isEqualTo(drift.changes());
        assertThat(rules.describeRule(r -> r.name(Names.ROOT_ACTIVITY_RULE)).stateAsString()).isEqualTo("ENABLED");
        assertThat(phase.plan(task(prod)).changes()).isEmpty();
    }

    @Test
    void apply_whenHomeRegionIsNotUsEast1_everythingInTheHomeRegionAndTheSignInRuleAlsoInUsEast1() {
        RunState.Target infosec = target("infosec");
        String account = infosec.accountId();
        AwsCredentialsProvider creds = Emulator.orgAccess(clients, account);
        Clients euWest1 = clients.inRegion(Region.EU_WEST_1);
        createTrail(euWest1, creds);
        OrgConfig inEurope = new OrgConfig(new OrgConfig.Organization(config.organization().name(), "eu-west-1",
                config.organization().managementRoles()), config.identityAccount(), config.accounts(),
                config.roles(), config.groups(), config.users(), config.passwordPolicy(), config.alerts());
        AccountTask task = new AccountTask(infosec, inEurope, org, null, new RunState.Run("it-eu", "2025-01-01T00:00:00Z"));
        String homeTopic = "arn:aws:sns:eu-west-1:" + account + ":palisade-root-alerts";
        String signInTopic = "arn:aws:sns:us-east-1:" + account + ":palisade-root-alerts";

        AlarmReport first = phase.apply(task);

        assertThat(first.changes()).contains(
                "+ sns:topic infosec/us-east-1/palisade-root-alerts",
                "+ sns:subscription infosec/us-east-1/palisade-root-alerts/security@example.com",
                "+ events:rule infosec/us-east-1/palisade-root-activity",
                "+ events:target infosec/us-east-1/palisade-root-activity/palisade-root-alerts");
        assertThat(first.region()).isEqualTo("eu-west-1");
        assertThat(first.topicArn()).isEqualTo(homeTopic);
        assertThat(first.signIn()).isNotNull();
        assertThat(first.signIn().region()).isEqualTo("us-east-1");
        assertThat(first.signIn().topicArn()).isEqualTo(signInTopic);
        assertThat(first.signIn().subscriptions()).extracting(AlarmReport.Subscription::endpoint)
                .containsExactly("security@example.com");
        assertThat(euWest1.build(CloudTrailClient.builder(), creds).getTrail(r -> r.name(Names.TRAIL)).trail()
                .cloudWatchLogsLogGroupArn())
                .isEqualTo("arn:aws:logs:eu-west-1:" + account + ":log-group:palisade/cloudtrail:*");
        assertThat(euWest1.build(CloudWatchLogsClient.builder(), creds)
                .describeLogGroups(r -> r.logGroupNamePrefix(Names.LOG_GROUP)).logGroups()).hasSize(1);
        assertThat(euWest1.build(CloudWatchClient.builder(), creds)
                .describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms())
                .singleElement().satisfies(a -> assertThat(a.alarmActions()).containsExactly(homeTopic));
        for (var where : java.util.Map.of(euWest1, homeTopic, clients.inRegion(Region.US_EAST_1), signInTopic)
                .entrySet()) {
            String topic = where.getValue();
            SnsClient sns = where.getKey().build(SnsClient.builder(), creds);
            assertThat(PolicyDocument.parse(sns.getTopicAttributes(r -> r.topicArn(topic)).attributes().get("Policy")))
                    .isEqualTo(Policies.topicPolicy(topic, account));
            assertThat(sns.listSubscriptionsByTopic(r -> r.topicArn(topic)).subscriptions())
                    .extracting(x -> x.endpoint()).containsExactly("security@example.com");
            EventBridgeClient events = where.getKey().build(EventBridgeClient.builder(), creds);
            assertThat(PolicyDocument.parse(events.describeRule(r -> r.name(Names.ROOT_ACTIVITY_RULE)).eventPattern()))
                    .isEqualTo(Policies.rootActivityPattern());
            assertThat(events.listTargetsByRule(r -> r.rule(Names.ROOT_ACTIVITY_RULE)).targets())
                    .extracting(Target::arn).containsExactly(topic);
        }
        // nothing of this account's alerting in us-east-1 but the sign-in rule and its topic
        assertThat(clients.inRegion(Region.US_EAST_1).build(CloudWatchClient.builder(), creds)
                .describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms()).isEmpty();

        AlarmReport second = phase.apply(task);

        assertThat(second.changes()).isEmpty();
        assertThat(second.signIn()).isEqualTo(first.signIn());
    }

    @Test
    void apply_whenTrailMissing_expectedClearErrorAndNothingWritten() {
        RunState.Target nonProd = target("non-prod");
        AlarmReport planned = phase.report(task(nonProd, "plan", null));
        assertThat(planned.changes()).contains("+ logs:log-group non-prod/palisade/cloudtrail",
                "+ cloudtrail:trail non-prod/palisade-trail cloudWatchLogsRoleArn: expected \"arn:aws:iam::"
                        + nonProd.accountId() + ":role/PalisadeCloudTrailToLogs\" actual null");
        // the missing trail's settings are part of its making
        assertThat(planned.changes()).allSatisfy(c -> assertThat(c).startsWith("+ "));

        assertThatThrownBy(() -> phase.apply(task(nonProd)))
                .isInstanceOf(io.palisade.common.errors.PrerequisiteMissingException.class)
                .hasMessageContaining("'palisade-trail' does not exist in account " + nonProd.accountId());
        assertThat(clients.calls().drain()).isEmpty();
    }

    /**
     * A plan-only task reads a member account as PalisadeAudit (made here as apply-accounts makes
     * it: ReadOnlyAccess, trusting the plan phase's role), with no temp-admin: the drift is named,
     * nothing changes; the same role used to write is refused by the account's IAM.
     */
    @Test
    void plan_asTheAuditRole_namesTheDriftAndCannotRepairIt() {
        // an organization of its own: the shared one's accounts are the other tests'
        OrgConfig ownConfig = Emulator.config("rla-" + UUID.randomUUID().toString().substring(0, 8));
        RunState.Org ownOrg = Emulator.accounts(clients, ownConfig);
        RunState.Target nonProd = ownOrg.targets().stream().filter(t -> t.key().equals("non-prod")).findFirst()
                .orElseThrow();
        java.util.function.BiFunction<String, Boolean, AccountTask> task = (mode, repair) -> new AccountTask(nonProd,
                ownConfig, ownOrg, null, new RunState.Run("it-" + UUID.randomUUID(), "2025-01-01T00:00:00Z"), mode,
                repair);
        String management = ownOrg.managementAccountId();
        String planner = "ItRlaPlanPhase-" + UUID.randomUUID().toString().substring(0, 8);
        String plannerArn = Emulator.planPhaseRole(clients, management, planner);
        AwsCredentialsProvider creds = Emulator.orgAccess(clients, nonProd.accountId());
        IamClient iam = clients.build(IamClient.builder(), creds);
        iam.createRole(r -> r.roleName(Names.AUDIT_ROLE).assumeRolePolicyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
                        + plannerArn + "\"},\"Action\":\"sts:AssumeRole\"}]}"));
        iam.attachRolePolicy(r -> r.roleName(Names.AUDIT_ROLE).policyArn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        createTrail(creds);
        phase.apply(task.apply(null, null));
        CloudWatchClient cloudWatch = clients.build(CloudWatchClient.builder(), creds);
        cloudWatch.deleteAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM));
        clients.calls().drain();

        Clients asPlanner = Emulator.as(clients, management, planner);
        RootLoginAlarms audited = new RootLoginAlarms(asPlanner, AuditAccess.forTask(asPlanner,
                new TempAdminSession(asPlanner, asPlanner.build(SecretsManagerClient.builder()))), Duration.ZERO);
        AlarmReport drift = new RootLoginAlarmsHandler(audited).report(task.apply(RunState.DRIFT, null));

        assertThat(drift.changes()).containsExactly("+ cloudwatch:alarm non-prod/palisade-root-usage");
        assertThat(drift.applied()).isFalse();
        assertThat(cloudWatch.describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms()).isEmpty();

        // the audit role applying the plan (as a repair would, were it given the audit role): denied
        RootLoginAlarms writer = new RootLoginAlarms(asPlanner, t -> AuditAccess.auditRole(asPlanner, management),
                Duration.ZERO);
        // (an AccessDenied of an assumed role counts as IAM consistency, hence retryable: TransientAwsException)
        assertThatThrownBy(() -> writer.apply(task.apply(null, null)))
                .hasMessageContaining("AccessDenied")
                .hasMessageContaining("assumed-role/" + Names.AUDIT_ROLE + "/")
                .hasMessageContaining("is not authorized to perform: cloudwatch:PutMetricAlarm");
        assertThat(cloudWatch.describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms()).isEmpty();
    }

    private static void createTrail(AwsCredentialsProvider creds) {
        createTrail(clients, creds);
    }

    private static void createTrail(Clients in, AwsCredentialsProvider creds) {
        String bucket = "rla-trail-" + UUID.randomUUID();
        in.s3(creds).createBucket(r -> {
            r.bucket(bucket);
            if (!Region.US_EAST_1.equals(in.region())) {
                r.createBucketConfiguration(c -> c.locationConstraint(in.region().id()));
            }
        });
        CloudTrailClient cloudTrail = in.build(CloudTrailClient.builder(), creds);
        cloudTrail.createTrail(r -> r.name(Names.TRAIL).s3BucketName(bucket).isMultiRegionTrail(true)
                .enableLogFileValidation(true));
        clients.calls().drain();
    }

    private static RunState.Target target(String key) {
        return org.targets().stream().filter(t -> t.key().equals(key)).findFirst().orElseThrow();
    }

    private static AccountTask task(RunState.Target target) {
        return task(target, null, null);
    }

    private static AccountTask task(RunState.Target target, String mode, Boolean repair) {
        return new AccountTask(target, config, org, null, new RunState.Run("it-" + UUID.randomUUID(),
                "2025-01-01T00:00:00Z"), mode, repair);
    }
}
