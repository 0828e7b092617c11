package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChangeTest {
    private static final Change.Account PROD = new Change.Account("111111111111", "prod");

    @Test
    void render_whenCreate_plusTypeAccountAndName() {
        assertThat(Change.create(PROD, "iam:role", "Developer").render()).isEqualTo("+ iam:role prod/Developer");
    }

    @Test
    void render_whenRemove_minusAndTheNameAsGiven() {
        assertThat(Change.remove(new Change.Account("222222222222", "infosec"), "iam:group-membership",
                "InfosecAdmins Mallory").render())
                .isEqualTo("- iam:group-membership infosec/InfosecAdmins Mallory");
    }

    @Test
    void render_whenUpdateOfAnAttribute_expectedAndActualAsJson() {
        Change change = Change.update(PROD, "iam:role", "Developer", "trust",
                Map.of("Principal", Map.of("AWS", "*")), List.of("a"));
        assertThat(change.render())
                .isEqualTo("~ iam:role prod/Developer trust: expected {\"Principal\":{\"AWS\":\"*\"}} actual [\"a\"]");
    }

    @Test
    void render_whenNoAccountOrAbsentValue_idOrNullShown() {
        assertThat(Change.update(new Change.Account("333333333333", null), "iam:password-policy", "account",
                "minimumLength", 14, null).render())
                .isEqualTo("~ iam:password-policy 333333333333/account minimumLength: expected 14 actual null");
        assertThat(Change.create("iam:role", "R").render()).isEqualTo("+ iam:role R");
    }

    @Test
    void toString_whenBuiltAtTheCall_keepsTheExecutorsLogForm() {
        assertThat(Change.remove("iam:user", "U")).hasToString("remove iam:user U");
        assertThat(Change.create("iam:role", "R").resource()).isEqualTo("iam:role");
        assertThat(Change.create("iam:role", "R").name()).isEqualTo("R");
    }

    @Test
    void changeExecutor_whenTheActionDoesNotMatch_refuses() {
        assertThatThrownBy(() -> ChangeExecutor.remove(Change.create(PROD, "iam:role", "R"), () -> {}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ChangeExecutor.remove(Change.remove(PROD, "iam:role", "R"), () -> {})).isTrue();
    }
}
