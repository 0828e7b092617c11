package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.config.OrgConfig;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;

class AccountSettingsTest {
    private static final OrgConfig.PasswordPolicy WANT =
            new OrgConfig.PasswordPolicy(14, true, true, true, true, 24, 90, true);

    private static PasswordPolicy.Builder matching() {
        return PasswordPolicy.builder().minimumPasswordLength(14).requireUppercaseCharacters(true)
                .requireLowercaseCharacters(true).requireNumbers(true).requireSymbols(true)
                .passwordReusePrevention(24).maxPasswordAge(90).allowUsersToChangePassword(true)
                .expirePasswords(true);
    }

    @Test
    void passwordPolicyMatches_whenEveryFieldEqual_isTrue() {
        assertThat(AccountSettings.passwordPolicyMatches(WANT, matching().build())).isTrue();
    }

    @Test
    void passwordPolicyMatches_whenNoPolicy_isFalse() {
        assertThat(AccountSettings.passwordPolicyMatches(WANT, null)).isFalse();
    }

    @Test
    void passwordPolicyMatches_whenOneFieldDiffers_isFalse() {
        assertThat(AccountSettings.passwordPolicyMatches(WANT, matching().minimumPasswordLength(8).build())).isFalse();
        assertThat(AccountSettings.passwordPolicyMatches(WANT, matching().requireSymbols(false).build())).isFalse();
        assertThat(AccountSettings.passwordPolicyMatches(WANT, matching().maxPasswordAge(null).build())).isFalse();
    }

    @Test
    void passwordPolicyMatches_whenConfigSaysZeroAndIamLeavesItOut_isTrue() {
        var want = new OrgConfig.PasswordPolicy(14, true, true, true, true, 0, 0, true);

        assertThat(AccountSettings.passwordPolicyMatches(want,
                matching().passwordReusePrevention(null).maxPasswordAge(null).build())).isTrue();
    }

    @Test
    void passwordPolicyMatches_whenConfigOmitsAField_ignoresIt() {
        var want = new OrgConfig.PasswordPolicy(14, null, true, true, true, 24, 90, true);

        assertThat(AccountSettings.passwordPolicyMatches(want, matching().requireUppercaseCharacters(false).build()))
                .isTrue();
    }

    @Test
    void passwordPolicyRequest_whenZeroCounts_leavesThemOut() {
        var request = AccountSettings.passwordPolicyRequest(new OrgConfig.PasswordPolicy(12, true, false, true, false, 0, 0,
                true));

        assertThat(request.minimumPasswordLength()).isEqualTo(12);
        assertThat(request.requireLowercaseCharacters()).isFalse();
        assertThat(request.passwordReusePrevention()).isNull();
        assertThat(request.maxPasswordAge()).isNull();
    }
}
