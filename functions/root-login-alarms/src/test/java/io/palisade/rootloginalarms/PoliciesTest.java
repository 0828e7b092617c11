package io.palisade.rootloginalarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.policy.PolicyDocument;
import io.palisade.common.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.cloudwatchlogs.model.MetricFilter;
import software.amazon.awssdk.services.cloudwatchlogs.model.MetricTransformation;

class PoliciesTest {
    private static final String TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/palisade-trail";
    private static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:palisade-root-alerts";

    @Test
    void rootUsagePattern_whenRead_expectedExactCisPattern() {
        assertThat(RootLoginAlarms.PATTERN).isEqualTo("{ $.userIdentity.type = \"Root\" && "
                + "$.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }");
    }

    @Test
    void arns_whenPartitionAndRegion_expectedPartitionSafeArns() {
        assertThat(Names.trailArn("aws-us-gov", "us-gov-west-1", "1", "palisade-trail"))
                .isEqualTo("arn:aws-us-gov:cloudtrail:us-gov-west-1:1:trail/palisade-trail");
        assertThat(Names.logGroupArn("aws", "eu-west-1", "1", "palisade/cloudtrail"))
                .isEqualTo("arn:aws:logs:eu-west-1:1:log-group:palisade/cloudtrail:*");
        assertThat(Names.topicArn("aws-cn", "cn-north-1", "1", "t")).isEqualTo("arn:aws-cn:sns:cn-north-1:1:t");
    }

    @Test
    void cloudTrailTrust_whenTrailArn_expectedOnlyCloudTrailForThatTrail() {
        JsonNode trust = Policies.cloudTrailTrust(TRAIL);

        JsonNode statement = trust.get("Statement").get(0);
        assertThat(trust.get("Statement")).hasSize(1);
        assertThat(statement.at("/Principal/Service").asText()).isEqualTo("cloudtrail.amazonaws.com");
        assertThat(statement.get("Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(statement.at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(TRAIL);
    }

    @Test
    void logDelivery_whenLogGroupArn_expectedOnlyStreamWritesOnThatGroup() {
        String group = "arn:aws:logs:us-east-1:123456789012:log-group:palisade/cloudtrail:*";

        JsonNode statement = Policies.logDelivery(group).get("Statement").get(0);

        assertThat(statement.get("Action")).extracting(JsonNode::asText)
                .containsExactly("logs:CreateLogStream", "logs:PutLogEvents");
        assertThat(statement.get("Resource").asText()).isEqualTo(group);
        assertThat(statement.get("Effect").asText()).isEqualTo("Allow");
    }

    @Test
    void topicPolicy_whenAccount_expectedAlarmsAndRulesOfThatAccountMayPublish() {
        JsonNode statements = Policies.topicPolicy(TOPIC, "123456789012").get("Statement");

        assertThat(statements).hasSize(2);
        assertThat(statements).extracting(s -> s.at("/Principal/Service").asText())
                .containsExactly("cloudwatch.amazonaws.com", "events.amazonaws.com");
        assertThat(statements).allSatisfy(s -> {
            assertThat(s.get("Action").asText()).isEqualTo("sns:Publish");
            assertThat(s.get("Resource").asText()).isEqualTo(TOPIC);
            assertThat(s.at("/Condition/StringEquals/aws:SourceAccount").asText()).isEqualTo("123456789012");
        });
    }

    @Test
    void monitoringKeyPolicy_whenAccountAndRegion_expectedIamAdminLogsForTheOneGroupAndPublishersOfTheTopic() {
        JsonNode statements = Policies.monitoringKeyPolicy("aws", "eu-west-1", "123456789012", "palisade/cloudtrail")
                .get("Statement");

        assertThat(statements).extracting(s -> s.get("Sid").asText()).containsExactly("AccountAdministersThroughIam",
                "CloudWatchLogsForTheTrailLogGroup", "AlarmsPublishToTheAlertTopic", "RulesPublishToTheAlertTopic");
        assertThat(statements.get(0).at("/Principal/AWS").asText()).isEqualTo("arn:aws:iam::123456789012:root");
        JsonNode logs = statements.get(1);
        assertThat(logs.at("/Principal/Service").asText()).isEqualTo("logs.eu-west-1.amazonaws.com");
        assertThat(logs.get("Action")).extracting(JsonNode::asText).containsExactly("kms:Encrypt*", "kms:Decrypt*",
                "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*");
        assertThat(logs.at("/Condition/ArnEquals/kms:EncryptionContext:aws:logs:arn").asText())
                .isEqualTo("arn:aws:logs:eu-west-1:123456789012:log-group:palisade/cloudtrail");
        assertThat(List.of(statements.get(2), statements.get(3))).extracting(s -> s.at("/Principal/Service").asText())
                .containsExactly("cloudwatch.amazonaws.com", "events.amazonaws.com");
        assertThat(List.of(statements.get(2), statements.get(3))).allSatisfy(s -> {
            assertThat(s.get("Action")).extracting(JsonNode::asText).containsExactly("kms:Decrypt", "kms:GenerateDataKey*");
            assertThat(s.get("Effect").asText()).isEqualTo("Allow");
        });
        assertThat(statements).allSatisfy(s -> assertThat(s.get("Resource").asText()).isEqualTo("*"));
    }

    @Test
    void rootActivityPattern_whenWritten_expectedSignInAndApiCallsByRoot() throws Exception {
        JsonNode expected = Json.MAPPER.readTree("{\"detail-type\":[\"AWS Console Sign In via CloudTrail\","
                + "\"AWS API Call via CloudTrail\"],\"detail\":{\"userIdentity\":{\"type\":[\"Root\"]}}}");

        assertThat(Policies.rootActivityPattern()).isEqualTo(expected);
    }

    @Test
    void parse_whenUrlEncodedAsIamReturnsIt_expectedSameTreeAsPlain() {
        JsonNode trust = Policies.cloudTrailTrust(TRAIL);
        String encoded = URLEncoder.encode(Policies.write(trust), StandardCharsets.UTF_8);

        assertThat(PolicyDocument.parse(encoded)).isEqualTo(trust);
        assertThat(PolicyDocument.parse(Policies.write(trust))).isEqualTo(trust);
    }

    @Test
    void parse_whenReserialisedWithOtherKeyOrderAndSpacing_expectedEqual() throws Exception {
        String reordered = "{ \"Statement\": [ {\"Resource\":\"" + TOPIC + "\", \"Action\":\"sns:Publish\","
                + "\"Principal\":{\"Service\":\"cloudwatch.amazonaws.com\"},\"Effect\":\"Allow\","
                + "\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"1\"}},\"Sid\":\"AlarmsOfThisAccount\"},"
                + "{\"Sid\":\"RulesOfThisAccount\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
                + "\"events.amazonaws.com\"},\"Action\":\"sns:Publish\",\"Resource\":\"" + TOPIC + "\","
                + "\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"1\"}}}],\n \"Version\": \"2012-10-17\" }";

        assertThat(PolicyDocument.parse(reordered)).isEqualTo(Policies.topicPolicy(TOPIC, "1"));
    }

    @Test
    void parse_whenAbsent_expectedNull() {
        assertThat(PolicyDocument.parse(null)).isNull();
        assertThat(PolicyDocument.parse("")).isNull();
    }

    @Test
    void matchesFilter_whenOtherPatternOrMetric_expectedFalse() {
        MetricFilter good = MetricFilter.builder().filterName(Names.ROOT_USAGE_METRIC_FILTER)
                .filterPattern(RootLoginAlarms.PATTERN)
                .metricTransformations(MetricTransformation.builder().metricName("RootAccountUsage")
                        .metricNamespace("CISBenchmark").metricValue("1").build())
                .build();

        CisMonitoring.Filter root = CisMonitoring.ROOT_USAGE;
        assertThat(RootLoginAlarms.matches(root, good)).isTrue();
        assertThat(RootLoginAlarms.matches(CisMonitoring.FILTERS.get(1), good)).as("another row's pattern").isFalse();
        assertThat(RootLoginAlarms.matches(root, good.toBuilder().filterPattern("{ $.userIdentity.type = \"Root\" }")
                .build())).isFalse();
        assertThat(RootLoginAlarms.matches(root, good.toBuilder().metricTransformations(MetricTransformation.builder()
                .metricName("RootAccountUsage").metricNamespace("Other").metricValue("1").build()).build()))
                .isFalse();
    }

    @Test
    void matchesAlarm_whenAnyFieldDiffers_expectedFalse() {
        MetricAlarm good = MetricAlarm.builder().alarmName(Names.ROOT_USAGE_ALARM)
                .alarmDescription(RootLoginAlarms.ALARM_DESCRIPTION)
                .metricName("RootAccountUsage").namespace("CISBenchmark").statistic(Statistic.SUM).period(300)
                .evaluationPeriods(1).threshold(1.0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData("notBreaching").actionsEnabled(true).alarmActions(TOPIC).build();

        CisMonitoring.Filter root = CisMonitoring.ROOT_USAGE;
        assertThat(RootLoginAlarms.matches(root, good, TOPIC)).isTrue();
        assertThat(RootLoginAlarms.matches(CisMonitoring.FILTERS.get(1), good, TOPIC)).as("another row's metric").isFalse();
        assertThat(RootLoginAlarms.matches(root, good.toBuilder().treatMissingData("missing").build(), TOPIC)).isFalse();
        assertThat(RootLoginAlarms.matches(root, good.toBuilder().threshold(2.0).build(), TOPIC)).isFalse();
        assertThat(RootLoginAlarms.matches(root, good.toBuilder().alarmActions(List.of()).build(), TOPIC)).isFalse();
        assertThat(RootLoginAlarms.matches(root, good.toBuilder().actionsEnabled(false).build(), TOPIC)).isFalse();
    }
}
