package io.palisade.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.Emulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * A measurement, not a test of a target (targets are not asserted, timings flake): fresh
 * bootstraps at several fault rates, first-run success, requests, faults injected and wall time.
 * About 15 minutes, so only on request:
 * {@code ./palisade test -Dpalisade.faultTable=true -Dit.test=FaultRateTableE2EIT -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 * Rates and runs per rate: {@code -Dpalisade.faultRates=0,0.05,0.1,0.2,0.3 -Dpalisade.faultRuns=5}.
 */
@EnabledIfSystemProperty(named = "palisade.faultTable", matches = "true")
class FaultRateTableE2EIT {
    private final FaultProxy faults = FaultProxy.running();
    private final Workflow workflow = Workflow.deployed();

    @AfterEach
    void off() {
        faults.off();
    }

    @Test
    void faultRates_whenBootstrappingFreshOrganizations_printTheTable() {
        String[] rates = System.getProperty("palisade.faultRates", "0,0.05,0.1,0.2,0.3").split(",");
        int runs = Integer.parseInt(System.getProperty("palisade.faultRuns", "5"));
        List<String> rows = new ArrayList<>();
        double baseline = 0;
        for (String r : rates) {
            double rate = Double.parseDouble(r);
            int ok = 0;
            long requests = 0;
            long injected = 0;
            double seconds = 0;
            for (int i = 1; i <= runs; i++) {
                OrgConfig config = Emulator.config("tb" + Long.toString(System.nanoTime(), 36).substring(0, 6));
                faults.reset(rate, 1000L * i + Math.round(rate * 100));
                Instant t0 = Instant.now();
                Map<String, Object> input = new LinkedHashMap<>();
                input.put("mode", "bootstrap");
                input.put("config", config);
                DescribeExecutionResponse run = workflow.run(input);
                seconds += Duration.between(t0, Instant.now()).toMillis() / 1000.0;
                JsonNode stats = faults.off();
                requests += stats.path("requests").asLong();
                for (var e : stats.path("injected").properties()) {
                    injected += e.getValue().asLong();
                }
                if (run.status() == ExecutionStatus.SUCCEEDED) {
                    ok++;
                } else {
                    System.out.printf("rate %s run %d: %s %s%n", r, i, run.error(), run.cause());
                }
            }
            double mean = seconds / runs;
            if (rate == 0) {
                baseline = mean;
            }
            rows.add(String.format("| %4.0f %% | %d / %d | %6d | %5d | %6.1f s | %s |", rate * 100, ok, runs,
                    requests / runs, injected / runs, mean, baseline == 0 ? "-"
                            : String.format("%.2fx", mean / baseline)));
        }
        System.out.println("| fault rate | first-run success | requests / run | faults / run | wall time / run "
                + "| vs 0 % |");
        System.out.println("|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }
}
