package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
import software.amazon.awssdk.services.s3.model.LoggingEnabled;

class ApplyAccountsTest {

    private static Trail.Builder trail() {
        return Trail.builder().name(Names.TRAIL).s3BucketName("b").isMultiRegionTrail(true)
                .logFileValidationEnabled(true).includeGlobalServiceEvents(true);
    }

    @Test
    void trailMatches_whenEverySettingIsPalisades_isTrue() {
        assertThat(ApplyAccounts.trailMatches(trail().build(), "b")).isTrue();
    }

    @Test
    void trailMatches_whenASettingDiffers_isFalse() {
        assertThat(ApplyAccounts.trailMatches(trail().s3BucketName("other").build(), "b")).isFalse();
        assertThat(ApplyAccounts.trailMatches(trail().isMultiRegionTrail(false).build(), "b")).isFalse();
        assertThat(ApplyAccounts.trailMatches(trail().logFileValidationEnabled(null).build(), "b")).isFalse();
        assertThat(ApplyAccounts.trailMatches(trail().includeGlobalServiceEvents(false).build(), "b")).isFalse();
        assertThat(ApplyAccounts.trailMatches(trail().s3KeyPrefix("logs").build(), "b")).isFalse();
    }

    @Test
    void trailBucket_whenNamed_carriesTheIdentityAccountId() {
        assertThat(Names.trailBucket("acme", "111122223333")).isEqualTo("acme-palisade-trail-111122223333");
    }

    @Test
    void accountIdOf_whenManagementOrMember_resolvesFromTheRun() {
        var org = new RunState.Org("999", "o-1",
                List.of(new AccountRef("infosec", "InfoSec", "i@example.com", "111", null, "EXISTING", null, 1),
                        new AccountRef("prod", "Prod", "p@example.com", "222", null, "EXISTING", null, 1)),
                true, 1, new RunState.Target("infosec", "111"), List.of(), List.of(), 0, List.of());
        var config = new OrgConfig(new OrgConfig.Organization("acme", "us-east-1", List.of()), "infosec",
                List.of(), null, List.of(), List.of(), null, null);
        var task = new AccountTask(new RunState.Target("prod", "222"), config, org, null, null);

        assertThat(ApplyAccounts.accountIdOf(task, OrgConfig.MANAGEMENT)).isEqualTo("999");
        assertThat(ApplyAccounts.accountIdOf(task, "infosec")).isEqualTo("111");
        assertThat(ApplyAccounts.accountIdOf(task, "prod")).isEqualTo("222");
    }

    @Test
    void accessLogBucket_whenNamed_carriesTheIdentityAccountId() {
        assertThat(Names.accessLogBucket("acme", "111122223333"))
                .isEqualTo("acme-palisade-access-logs-111122223333");
    }

    @Test
    void loggingMatches_whenTargetOrPrefixDiffers_isFalse() {
        LoggingEnabled wanted = LoggingEnabled.builder().targetBucket("logs").targetPrefix("trail-bucket/").build();

        assertThat(ApplyAccounts.loggingMatches(wanted.toBuilder().build(), wanted)).isTrue();
        assertThat(ApplyAccounts.loggingMatches(null, wanted)).isFalse();
        assertThat(ApplyAccounts.loggingMatches(wanted.toBuilder().targetBucket("other").build(), wanted)).isFalse();
        assertThat(ApplyAccounts.loggingMatches(wanted.toBuilder().targetPrefix("").build(), wanted)).isFalse();
    }
}
