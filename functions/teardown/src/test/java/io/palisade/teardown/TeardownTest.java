package io.palisade.teardown;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.testkit.TestContext;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.errors.ConcurrentRunException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TeardownTest {
    private static RunState run(RunState.Org org) {
        return new RunState(null, null, null, new RunState.Run("r1", null), org, null, null, null, null, null, null);
    }

    @Test
    void knownAccounts_whenSomeAccountsHaveNoIdYet_listsOnlyThoseWithIdsAndTheManagementAccount() {
        RunState.Org org = new RunState.Org("111111111111", "o-1", List.of(
                new AccountRef("infosec", "InfoSec", "a@example.com", "222222222222", "car-1", "SUCCEEDED", null, 1),
                new AccountRef("prod", "Prod", "b@example.com", null, "car-2", "IN_PROGRESS", null, 1)),
                false, 1, null, null, null, 0, List.of());

        Map<String, String> known = Teardown.knownAccounts(run(org), "111111111111");

        assertThat(known).containsExactly(Map.entry("infosec", "222222222222"), Map.entry("management", "111111111111"));
    }

    @Test
    void knownAccounts_whenTheRunFailedBeforeAnyAccount_listsTheManagementAccountOnly() {
        assertThat(Teardown.knownAccounts(run(null), "111111111111")).containsExactly(
                Map.entry("management", "111111111111"));
    }

    @Test
    void compensate_whenAnotherRunHoldsTheLock_touchesNothing() {
        // a Teardown without clients: any AWS call would fail the test
        CompensateHandler handler = new CompensateHandler(new Teardown(null, null));
        String input = Json.write(Map.of("run", Map.of("run", Map.of("id", "r2")), "failedPhase", "MigrateState",
                "error", Map.of("Error", ConcurrentRunException.class.getName(), "Cause", "run r1 holds the lock")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        handler.handleRequest(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, new TestContext());

        JsonNode report = Json.read(out.toString(StandardCharsets.UTF_8), JsonNode.class);
        assertThat(report.path("status").asText()).isEqualTo("FAILED");
        assertThat(report.path("failedPhase").asText()).isEqualTo("MigrateState");
        assertThat(report.path("error").asText()).isEqualTo(ConcurrentRunException.class.getName());
        assertThat(report.path("removed")).isEmpty();
        assertThat(report.path("changes")).isEmpty();
    }

    /** Just enough of a Lambda context for Powertools' logging. */
}
