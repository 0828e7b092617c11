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

    /** CIS AWS Foundations "root account usage": root activity that is not an AWS service acting. */
    static final String ROOT_USAGE_PATTERN = CisMonitoring.ROOT_USAGE.pattern();

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

    /**
     * The policy of the account's monitoring key (one key per account and region for the trail's
     * log group and the alert topic: the same people administer both, and one key is one
     * rotation and one monthly charge):
     * <ul>
     *   <li>the account administers it through IAM, the key policy AWS creates by default
     *       (KMS Developer Guide, "Default key policy": without it no IAM policy could grant any use
     *       of the key, and KMS refuses a policy that locks the caller out);</li>
     *   <li>CloudWatch Logs of this region uses it for this one log group only (CloudWatch Logs
     *       User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS": principal
     *       {@code logs.<region>.amazonaws.com}, the condition on
     *       {@code kms:EncryptionContext:aws:logs:arn});</li>
     *   <li>CloudWatch alarms and EventBridge rules may publish to the encrypted topic (SNS
     *       Developer Guide, "Enable compatibility between event sources from AWS services and
     *       encrypted topics": {@code kms:Decrypt} and {@code kms:GenerateDataKey*}). No source
     *       condition: EventBridge's requests to KMS carry none, and a condition the request lacks
     *       would drop every alert silently.</li>
     * </ul>
     */
    static JsonNode monitoringKeyPolicy(String partition, String region, String account, String logGroup) {
        String logGroupArn = "arn:" + partition + ":logs:" + region + ":" + account + ":log-group:" + logGroup;
        return tree(Map.of(
                "Version", "2012-10-17",
                "Statement", List.of(
                        Map.of("Sid", "AccountAdministersThroughIam",
                                "Effect", "Allow",
                                "Principal", Map.of("AWS", "arn:" + partition + ":iam::" + account + ":root"),
                                "Action", "kms:*",
                                "Resource", "*"),
                        Map.of("Sid", "CloudWatchLogsForTheTrailLogGroup",
                                "Effect", "Allow",
                                "Principal", Map.of("Service", "logs." + region + ".amazonaws.com"),
                                "Action", List.of("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                                        "kms:GenerateDataKey*", "kms:Describe*"),
                                "Resource", "*",
                                "Condition", Map.of("ArnEquals",
                                        Map.of("kms:EncryptionContext:aws:logs:arn", logGroupArn))),
                        publishThroughKey("AlarmsPublishToTheAlertTopic", "cloudwatch.amazonaws.com"),
                        publishThroughKey("RulesPublishToTheAlertTopic", "events.amazonaws.com"))));
    }

    private static Map<String, Object> publishThroughKey(String sid, String service) {
        return Map.of(
                "Sid", sid,
                "Effect", "Allow",
                "Principal", Map.of("Service", service),
                "Action", List.of("kms:Decrypt", "kms:GenerateDataKey*"),
                "Resource", "*");
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
