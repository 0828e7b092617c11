package io.palisade.rootloginalarms;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import java.util.List;
import java.util.Map;

/**
 * The policy documents and patterns this phase writes, as JSON trees; read back with
 * {@link io.palisade.common.policy.PolicyDocument#parse} and compared with its {@code equivalent}.
 */
final class Policies {
    private Policies() {}

    /** CIS AWS Foundations 1.x/3.x "root account usage": root activity that is not an AWS service acting. */
    static final String ROOT_USAGE_PATTERN =
            "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS"
                    + " && $.eventType != \"AwsServiceEvent\" }";

    /** Only CloudTrail, and only for this trail (confused-deputy guard), may assume the delivery role. */
    static JsonNode cloudTrailTrust(String trailArn) {
        return tree(Map.of(
                "Version", "2012-10-17",
                "Statement", List.of(Map.of(
                        "Sid", "CloudTrailOfThisTrail",
                        "Effect", "Allow",
                        "Principal", Map.of("Service", "cloudtrail.amazonaws.com"),
                        "Action", "sts:AssumeRole",
                        "Condition", Map.of("StringEquals", Map.of("aws:SourceArn", trailArn))))));
    }

    /** Write log streams and events into this one log group, nothing else. */
    static JsonNode logDelivery(String logGroupArn) {
        return tree(Map.of(
                "Version", "2012-10-17",
                "Statement", List.of(Map.of(
                        "Sid", "DeliverTrailEvents",
                        "Effect", "Allow",
                        "Action", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                        "Resource", logGroupArn))));
    }

    /** CloudWatch alarms and EventBridge rules of this account may publish to the topic. */
    static JsonNode topicPolicy(String topicArn, String account) {
        return tree(Map.of(
                "Version", "2012-10-17",
                "Statement", List.of(
                        publishBy("AlarmsOfThisAccount", "cloudwatch.amazonaws.com", topicArn, account),
                        publishBy("RulesOfThisAccount", "events.amazonaws.com", topicArn, account))));
    }

    /** Root console sign-ins and root API calls, as CloudTrail delivers them to EventBridge. */
    static JsonNode rootActivityPattern() {
        return tree(Map.of(
                "detail-type", List.of("AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"),
                "detail", Map.of("userIdentity", Map.of("type", List.of("Root")))));
    }

    static String write(JsonNode document) {
        return Json.write(document);
    }

    private static Map<String, Object> publishBy(String sid, String service, String topicArn, String account) {
        return Map.of(
                "Sid", sid,
                "Effect", "Allow",
                "Principal", Map.of("Service", service),
                "Action", "sns:Publish",
                "Resource", topicArn,
                "Condition", Map.of("StringEquals", Map.of("aws:SourceAccount", account)));
    }

    private static JsonNode tree(Object value) {
        return Json.MAPPER.valueToTree(value);
    }
}
