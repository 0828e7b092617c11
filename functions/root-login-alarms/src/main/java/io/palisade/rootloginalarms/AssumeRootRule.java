package io.palisade.rootloginalarms;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import io.palisade.common.policy.PolicyDocument;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.DescribeRuleResponse;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eventbridge.model.RuleState;
import software.amazon.awssdk.services.eventbridge.model.Target;

/**
 * The alarm on privileged root sessions: an EventBridge rule in the management account on
 * CloudTrail's record of {@code sts:AssumeRoot} (IAM User Guide, "Track privileged tasks in
 * CloudTrail"), into the account's root-alert topic. Only the management account (or an IAM
 * delegated administrator) can call AssumeRoot, and Palisade's own root sessions (the
 * create-accounts phase's credential report) raise it too: every root session is worth a mail.
 * CloudTrail records the call in the region of the STS endpoint used; the rule is in the home
 * region, where Palisade calls it.
 */
final class AssumeRootRule {
    static final String NAME = "palisade-assume-root";
    static final String TARGET_ID = "palisade-root-alerts";
    static final String DESCRIPTION = "sts:AssumeRoot (a privileged root session in a member account): notify "
            + io.palisade.common.Names.ROOT_ALERTS_TOPIC;

    private AssumeRootRule() {}

    static JsonNode pattern() {
        return Json.MAPPER.valueToTree(Map.of(
                "source", List.of("aws.sts"),
                "detail-type", List.of("AWS API Call via CloudTrail"),
                "detail", Map.of("eventSource", List.of("sts.amazonaws.com"),
                        "eventName", List.of("AssumeRoot"))));
    }

    /** The rule and its one target, as {@link RootLoginAlarms#planRule} plans the root-activity rule. */
    static void plan(Plan plan, Change.Account who, EventBridgeClient events, String topicArn) {
        DescribeRuleResponse rule;
        try {
            rule = events.describeRule(r -> r.name(NAME));
        } catch (ResourceNotFoundException e) {
            rule = null;
        }
        JsonNode pattern = pattern();
        Runnable put = RootLoginAlarms.once(() -> events.putRule(r -> r.name(NAME)
                .eventPattern(Json.write(pattern)).state(RuleState.ENABLED).description(DESCRIPTION)));
        if (rule == null) {
            plan.add(Change.create(who, RootLoginAlarms.RULE, NAME), put);
        } else {
            JsonNode actual = PolicyDocument.parse(rule.eventPattern());
            if (!pattern.equals(actual)) {
                plan.add(Change.update(who, RootLoginAlarms.RULE, NAME, "eventPattern", pattern, actual), put);
            }
            if (!RuleState.ENABLED.toString().equals(rule.stateAsString())) {
                plan.add(Change.update(who, RootLoginAlarms.RULE, NAME, "state", RuleState.ENABLED.toString(),
                        rule.stateAsString()), put);
            }
        }
        List<Target> targets = rule == null ? List.of() : events.listTargetsByRule(r -> r.rule(NAME)).targets();
        Optional<Target> target = targets.stream().filter(t -> TARGET_ID.equals(t.id())).findFirst();
        Runnable putTarget = RootLoginAlarms.once(() -> events.putTargets(r -> r.rule(NAME)
                .targets(t -> t.id(TARGET_ID).arn(topicArn))));
        String targetName = NAME + "/" + TARGET_ID;
        if (target.isEmpty()) {
            plan.add(Change.create(who, RootLoginAlarms.RULE_TARGET, targetName), putTarget);
        } else if (!topicArn.equals(target.get().arn())) {
            plan.add(Change.update(who, RootLoginAlarms.RULE_TARGET, targetName, "arn", topicArn,
                    target.get().arn()), putTarget);
        }
    }
}
