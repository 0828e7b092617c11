package io.palisade.teardown;

import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.regions.Region;
import io.palisade.common.testkit.Recording;
import io.palisade.common.aws.Clients;
import java.util.ArrayList;
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
    void compensate_whenTheRunNeverTookTheLock_touchesNothing() {
        // no state record anywhere (the run failed before migrate-state): only the lookup is made
        List<String> calls = new ArrayList<>();
        OrganizationsClient organizations = Recording.stub(OrganizationsClient.class, calls, request ->
                AwsOrganizationsNotInUseException.builder().message("no organization").build());
        CompensateHandler handler = new CompensateHandler(new Teardown(
                new Clients(Region.US_EAST_1, null, null, null), null, organizations));
        String input = Json.write(Map.of("run", Map.of("run", Map.of("id", "r2")), "failedPhase", "CreateAccounts",
                "error", Map.of("Error", ConcurrentRunException.class.getName(), "Cause", "run r1 holds the lock")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        handler.handleRequest(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, new TestContext());

        JsonNode report = Json.read(out.toString(StandardCharsets.UTF_8), JsonNode.class);
        assertThat(report.path("status").asText()).isEqualTo("FAILED");
        assertThat(report.path("failedPhase").asText()).isEqualTo("CreateAccounts");
        assertThat(report.path("removed")).isEmpty();
        assertThat(calls).containsExactly("listAccounts");
    }

    /** Just enough of a Lambda context for Powertools' logging. */
}
