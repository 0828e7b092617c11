package io.palisade.common.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TallyTest {
    private static List<String> roles(int accounts) {
        List<String> removed = new ArrayList<>(List.of("user PalisadeTempAdmin in infosec"));
        IntStream.rangeClosed(1, accounts).forEach(i -> removed.add("role PalisadeBootstrap in prod-" + i));
        return removed;
    }

    @Test
    void grouped_whenOneThingIsRemovedFromManyAccounts_namesTenAndCountsTheRest() {
        assertThat(Tally.grouped(roles(300))).containsExactly("user PalisadeTempAdmin in infosec",
                "role PalisadeBootstrap in 300 accounts: prod-1, prod-2, prod-3, prod-4, prod-5, prod-6, prod-7, "
                        + "prod-8, prod-9, prod-10 and 290 more");
    }

    @Test
    void grouped_keepsSingleLinesAndLinesOfAnotherShape() {
        assertThat(Tally.grouped(List.of("role PalisadeBootstrap in prod", "secret palisade/temp-admin (deleted)")))
                .containsExactly("role PalisadeBootstrap in prod", "secret palisade/temp-admin (deleted)");
        assertThat(Tally.grouped(List.of("role PalisadeBootstrap in prod", "role PalisadeBootstrap in infosec")))
                .containsExactly("role PalisadeBootstrap in 2 accounts: prod, infosec");
    }

    @Test
    void teardownReport_staysTheSameSizeFrom30To300Accounts_andSurvivesARoundTrip() {
        List<String> calls30 = new ArrayList<>();
        List<String> calls300 = new ArrayList<>();
        IntStream.range(0, 30).forEach(i -> calls30.addAll(List.of("Iam:DeleteRolePolicy", "Iam:DeleteRole")));
        IntStream.range(0, 300).forEach(i -> calls300.addAll(List.of("Iam:DeleteRolePolicy", "Iam:DeleteRole")));
        TeardownReport small = new TeardownReport("SUCCEEDED", null, null, roles(30), calls30);
        TeardownReport large = new TeardownReport("SUCCEEDED", null, null, roles(300), calls300);

        assertThat(large.changes()).containsExactly("Iam:DeleteRolePolicy x300", "Iam:DeleteRole x300");
        assertThat(io.palisade.common.Json.MAPPER.valueToTree(large).toString().length())
                .isLessThan(io.palisade.common.Json.MAPPER.valueToTree(small).toString().length() + 10);
        assertThat(io.palisade.common.Json.MAPPER.convertValue(io.palisade.common.Json.MAPPER.valueToTree(large),
                TeardownReport.class)).isEqualTo(large);
    }

    @Test
    void tempAdmin_countsItsCalls() {
        RunState.TempAdmin admin = new RunState.TempAdmin("u", "arn", "secret", "PalisadeBootstrap",
                List.of("Iam:CreateUser", "Iam:CreateRole", "Iam:CreateRole", "Iam:PutRolePolicy"));
        assertThat(admin.changes()).containsExactly("Iam:CreateUser", "Iam:CreateRole x2", "Iam:PutRolePolicy");
    }
}
