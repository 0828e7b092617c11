package io.palisade.rootloginalarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import io.palisade.common.aws.PolicyLimits;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #7: this phase's policies are written per account and name only that account, so they are
 * the same size in an organization of 3 or 300 accounts; each is within its AWS limit.
 */
class PolicySizesTest {

    @ParameterizedTest
    @ValueSource(ints = {3, 300})
    void everyPolicy_whenTheOrganizationHasThisManyAccounts_isWithinItsAwsLimit(int n) {
        // the last (largest-numbered) account of the organization: the documents only ever name their own
        String account = String.format("%012d", 483_920_175_013L + (n - 1) * 7_919_003L);
        String trail = Names.trailArn("aws", "ap-southeast-2", account, "palisade-trail");

        int trust = report(n, "delivery role trust policy", PolicyLimits.Kind.IAM_ROLE_TRUST,
                Policies.cloudTrailTrust(trail));
        report(n, "delivery role inline policy", PolicyLimits.Kind.IAM_ROLE_INLINE, Policies.logDelivery(
                Names.logGroupArn("aws", "ap-southeast-2", account, "palisade-trail-root-activity")));
        int topic = report(n, "alert topic policy", PolicyLimits.Kind.SNS_TOPIC, Policies.topicPolicy(
                Names.topicArn("aws", "ap-southeast-2", account, "palisade-root-alerts"), account));

        int key = report(n, "monitoring key policy", PolicyLimits.Kind.KMS_KEY,
                Policies.monitoringKeyPolicy("aws", "ap-southeast-2", account, Names.LOG_GROUP));

        assertThat(key).isLessThan(PolicyLimits.Kind.KMS_KEY.limit() / 20);
        assertThat(trust).isLessThan(PolicyLimits.Kind.IAM_ROLE_TRUST.limit() / 4);
        assertThat(topic).isLessThan(PolicyLimits.Kind.SNS_TOPIC.limit() / 20);
    }

    private static int report(int accounts, String name, PolicyLimits.Kind kind, Object document) {
        int size = PolicyLimits.require(kind, name, document);
        System.out.printf("policy-size accounts=%d %-40s %6d / %6d %s%n", accounts, name, size, kind.limit(),
                kind.unit());
        return size;
    }
}
