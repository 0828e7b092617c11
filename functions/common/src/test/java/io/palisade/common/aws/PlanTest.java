package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanTest {
    @Test
    void changes_whenPlanned_callsNothing_andApplyCallsEachInOrder() {
        List<String> calls = new ArrayList<>();
        Plan plan = new Plan()
                .add(Change.create(new Change.Account("111111111111", "prod"), "iam:role", "Developer"),
                        () -> calls.add("create"))
                .add(Change.update(new Change.Account("111111111111", "prod"), "iam:role", "Developer", "trust",
                        java.util.Map.of("AWS", "arn:aws:iam::222222222222:root"), java.util.Map.of("AWS", "*")),
                        () -> calls.add("trust"));

        assertThat(plan.changes()).extracting(Change::render).containsExactly(
                "+ iam:role prod/Developer",
                "~ iam:role prod/Developer trust: expected {\"AWS\":\"arn:aws:iam::222222222222:root\"} "
                        + "actual {\"AWS\":\"*\"}");
        assertThat(calls).isEmpty();

        assertThat(plan.apply()).hasSize(2);
        assertThat(calls).containsExactly("create", "trust");
    }
}
