package io.palisade.rootloginalarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.CannedHttpClient;
import io.palisade.common.testkit.Emulator;
import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** Root-login alarms of an account that does not exist yet: all of them as +, and no AWS call. */
class AbsentAccountPlanTest {
    private final CannedHttpClient http = new CannedHttpClient(500, "InternalFailure");
    private final Clients clients = new Clients(Region.US_EAST_1, URI.create("https://localhost:1"), http,
            AnonymousCredentialsProvider.create());
    private final RootLoginAlarms phase = new RootLoginAlarms(clients, task -> id -> {
        throw new AssertionError("no credentials are asked for an account that does not exist: " + id);
    });

    private static AccountTask task(OrgConfig config, String mode) {
        RunState.Org org = Emulator.planned(config, "999999999999");
        return new AccountTask(new RunState.Target("prod", null), config, org, null, new RunState.Run("unit", null),
                mode, null);
    }

    @Test
    void report_whenAccountDoesNotExist_expectedEveryResourceAsCreateWithoutCalls() {
        AlarmReport report = phase.report(task(Emulator.config("absent"), AccountTask.PLAN));

        java.util.List<String> expected = new java.util.ArrayList<>(java.util.List.of(
                "+ kms:key prod/" + MonitoringKey.ALIAS,
                "+ logs:log-group prod/" + Names.LOG_GROUP,
                "+ iam:role prod/" + Names.DELIVERY_ROLE,
                "+ iam:role-policy prod/" + Names.DELIVERY_ROLE + "/" + Names.DELIVERY_POLICY,
                "+ cloudtrail:trail prod/" + Names.TRAIL + " cloudWatchLogsLogGroupArn: expected \"arn:aws:logs:"
                        + "us-east-1:<prod id>:log-group:" + Names.LOG_GROUP + ":*\" actual null",
                "+ cloudtrail:trail prod/" + Names.TRAIL + " cloudWatchLogsRoleArn: expected \"arn:aws:iam::"
                        + "<prod id>:role/" + Names.DELIVERY_ROLE + "\" actual null",
                "+ sns:topic prod/" + Names.ROOT_ALERTS_TOPIC,
                "+ sns:subscription prod/" + Names.ROOT_ALERTS_TOPIC + "/security@example.com"));
        for (CisMonitoring.Filter f : CisMonitoring.FILTERS) {
            expected.add("+ logs:metric-filter prod/" + f.name());
            expected.add("+ cloudwatch:alarm prod/" + f.name());
        }
        expected.add("+ events:rule prod/" + Names.ROOT_ACTIVITY_RULE);
        expected.add("+ events:target prod/" + Names.ROOT_ACTIVITY_RULE + "/" + Names.ROOT_ACTIVITY_TARGET_ID);
        assertThat(report.changes()).containsExactlyElementsOf(expected);
        assertThat(report.changes()).filteredOn(c -> c.startsWith("+ cloudwatch:alarm ")).hasSize(15);
        assertThat(report.kmsKeyArn()).isNull();
        assertThat(report.applied()).isFalse();
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void report_whenBootstrapTaskHasNoAccountId_expectedErrorBeforeAnyCall() {
        assertThatThrownBy(() -> phase.report(task(Emulator.config("absent"), null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'prod' has no id");
        assertThat(http.requests).hasValue(0);
    }
}
