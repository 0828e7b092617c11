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

    private static AccountTask task(String mode, Boolean repair) {
        return new AccountTask(new RunState.Target("prod", "1"), null, null, null, null, mode, repair);
    }
}
