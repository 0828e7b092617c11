package io.palisade.rootloginalarms;

import java.util.List;

/**
 * What the root-login-alarms phase set up in one account (an item of the state machine's Map).
 *
 * @param subscriptions the topic's subscriptions for the configured addresses; e-mail ones stay
 *     {@code PendingConfirmation} on AWS until the recipient follows the link AWS sends
 * @param changes the changing AWS calls made; empty when the account already matched
 */
public record AlarmReport(
        String key,
        String accountId,
        String logGroup,
        String metricFilter,
        String pattern,
        String alarmName,
        String alarmArn,
        String topicArn,
        List<Subscription> subscriptions,
        String ruleName,
        List<String> changes) {

    public record Subscription(String protocol, String endpoint, String status) {
        public static final String CONFIRMED = "Confirmed";
        public static final String PENDING = "PendingConfirmation";
    }
}
