package io.palisade.rootloginalarms;

import java.util.List;

/**
 * What the root-login-alarms phase set up in one account (an item of the state machine's Map).
 *
 * @param region the organization's home region, where all of it but {@code signIn} is
 * @param cisAlarms the names of the CIS monitoring alarms (and their metric filters), {@link CisMonitoring#FILTERS}
 *     in order, root usage ({@code alarmName}) first
 * @param kmsKeyArn the monitoring key that encrypts the log group and the topic; {@code null} while
 *     only planned
 * @param subscriptions the topic's subscriptions for the configured addresses; e-mail ones stay
 *     {@code PendingConfirmation} on AWS until the recipient follows the link AWS sends
 * @param signIn the root sign-in rule and its topic in the region where CloudTrail records root
 *     console sign-ins (us-east-1), when that is not the home region; {@code null} otherwise
 * @param changes the changes, in both regions, one line each as {@link io.palisade.common.aws.Change#render}
 *     gives them ({@code + logs:log-group prod/palisade/cloudtrail}, {@code ~ events:rule
 *     prod/palisade-root-activity state: expected "ENABLED" actual "DISABLED"}): made when
 *     {@code applied}, only planned otherwise; empty when the account already matched
 * @param mode the task's mode ({@code bootstrap} when it named none)
 * @param applied whether the changes were made ({@code false}: a plan, or a drift run without repair)
 */
public record AlarmReport(
        String key,
        String accountId,
        String region,
        String logGroup,
        String metricFilter,
        String pattern,
        String alarmName,
        String alarmArn,
        List<String> cisAlarms,
        String kmsKeyArn,
        String topicArn,
        List<Subscription> subscriptions,
        String ruleName,
        SignInRule signIn,
        List<String> changes,
        String mode,
        boolean applied) {

    /** The root-activity rule and the topic it targets, made again in {@code region}, and why. */
    public record SignInRule(String region, String ruleName, String topicArn, List<Subscription> subscriptions,
                             String why) {}

    public record Subscription(String protocol, String endpoint, String status) {
        public static final String CONFIRMED = "Confirmed";
        public static final String PENDING = "PendingConfirmation";
        /** Not subscribed yet: only in a report of changes planned but not made. */
        public static final String MISSING = "Missing";
    }
}
