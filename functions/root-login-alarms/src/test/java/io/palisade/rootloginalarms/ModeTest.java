package io.palisade.rootloginalarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Json;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import org.junit.jupiter.api.Test;

/** Which tasks may change the account: the handler plans only for the others. */
class ModeTest {
    @Test
    void mayChange_whenBootstrapOrRepairingDrift_expectedTrue_whenPlanOrDriftWithoutRepair_expectedFalse() {
        assertThat(task(null, null).mayChange()).isTrue();
        assertThat(task(RunState.BOOTSTRAP, null).mayChange()).isTrue();
        assertThat(task(RunState.DRIFT, true).mayChange()).isTrue();
        assertThat(task(RunState.DRIFT, null).mayChange()).isFalse();
        assertThat(task(RunState.DRIFT, false).mayChange()).isFalse();
        assertThat(task("plan", null).mayChange()).isFalse();
        assertThat(task("plan", true).mayChange()).as("plan never writes").isFalse();
    }

    @Test
    void accountTask_whenReadWithoutMode_expectedNullModeAndRepair() {
        AccountTask task = Json.read("{\"target\":{\"key\":\"prod\",\"accountId\":\"1\"}}", AccountTask.class);

        assertThat(task.mode()).isNull();
        assertThat(task.repair()).isNull();
        assertThat(task.mayChange()).isTrue();
        assertThat(Json.read("{\"mode\":\"drift\",\"repair\":true}", AccountTask.class).mayChange()).isTrue();
    }

    @Test
    void report_whenModeUnknown_expectedInvalidConfigBeforeAnyCall() {
        var http = new io.palisade.common.testkit.CannedHttpClient(500, "InternalFailure");
        var clients = new io.palisade.common.aws.Clients(software.amazon.awssdk.regions.Region.US_EAST_1,
                java.net.URI.create("https://localhost:1"), http,
                software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create());
        RootLoginAlarms phase = new RootLoginAlarms(clients, t -> account -> clients.baseCredentials());

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> phase.report(task("apply", true)))
                .isInstanceOf(io.palisade.common.errors.InvalidConfigException.class)
                .hasMessageContaining("mode 'apply'");
        assertThat(http.requests).hasValue(0);
    }

    private static AccountTask task(String mode, Boolean repair) {
        return new AccountTask(new RunState.Target("prod", "1"), null, null, null, null, mode, repair);
    }
}
