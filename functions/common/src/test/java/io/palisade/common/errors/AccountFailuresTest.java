package io.palisade.common.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccountFailuresTest {
    @Test
    void of_whenEmailAlreadyExists_isAccountEmailAlreadyExistsWithPlainMessage() {
        PalisadeException e = AccountFailures.of("prod", "EMAIL_ALREADY_EXISTS");

        assertThat(e).isExactlyInstanceOf(AccountEmailAlreadyExistsException.class)
                .hasMessage("Creating account 'prod' failed: EMAIL_ALREADY_EXISTS (the email is already used by "
                        + "another AWS account; give this account its own email)");
    }

    @Test
    void of_whenAccountLimitExceeded_isAccountLimitExceededWithPlainMessage() {
        PalisadeException e = AccountFailures.of("non-prod", "ACCOUNT_LIMIT_EXCEEDED");

        assertThat(e).isExactlyInstanceOf(AccountLimitExceededException.class)
                .hasMessageContaining("'non-prod'")
                .hasMessageContaining("ACCOUNT_LIMIT_EXCEEDED")
                .hasMessageContaining("ask AWS Support to raise it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"CONCURRENT_ACCOUNT_MODIFICATION", "INTERNAL_FAILURE"})
    void of_whenReasonIsTransient_isAccountCreationTransient(String reason) {
        PalisadeException e = AccountFailures.of("infosec", reason);

        assertThat(e).isExactlyInstanceOf(AccountCreationTransientException.class)
                .hasMessageStartingWith("Creating account 'infosec' failed: " + reason + " (");
        assertThat(AccountFailures.isTransient(reason)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"INVALID_EMAIL", "INVALID_ADDRESS", "MISSING_PAYMENT_INSTRUMENT",
            "FAILED_BUSINESS_VALIDATION", "GOVCLOUD_ACCOUNT_ALREADY_EXISTS"})
    void of_whenReasonIsPermanent_isAccountCreationRejectedWithItsMeaning(String reason) {
        PalisadeException e = AccountFailures.of("prod", reason);

        assertThat(e).isExactlyInstanceOf(AccountCreationRejectedException.class)
                .hasMessage("Creating account 'prod' failed: " + reason + " (" + AccountFailures.meaning(reason) + ")");
        assertThat(AccountFailures.meaning(reason)).doesNotContain("undocumented");
        assertThat(AccountFailures.isTransient(reason)).isFalse();
    }

    @Test
    void of_whenReasonIsUndocumented_isRejectedAndSaysSo() {
        PalisadeException e = AccountFailures.of("prod", "SOMETHING_NEW");

        assertThat(e).isExactlyInstanceOf(AccountCreationRejectedException.class)
                .hasMessageContaining("SOMETHING_NEW (AWS gave an undocumented reason)");
    }

    @Test
    void of_whenAwsGivesNoReason_isRejectedInsteadOfFailingItself() {
        PalisadeException e = AccountFailures.of("prod", null);

        assertThat(e).isExactlyInstanceOf(AccountCreationRejectedException.class)
                .hasMessageContaining("Creating account 'prod' failed");
        assertThat(AccountFailures.isTransient(null)).isFalse();
    }
}
