package io.palisade.onetimelogin;

import io.palisade.common.state.LoginResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.OneTimeLoginRequest;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidPublicKeyException;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/** Against the emulated organization (moto): the user's console password, end to end. */
class OneTimeLoginIT {
    private static Clients clients;
    private static OrgConfig config;
    private static RunState.Org org;
    private static AwsCredentialsProvider infosec;
    private static IamClient iam;
    private static TestKeys keys;

    @BeforeAll
    static void organization() {
        clients = Emulator.clients();
        config = Emulator.config("otl-" + UUID.randomUUID().toString().substring(0, 8));
        org = Emulator.accounts(clients, config);
        infosec = Emulator.orgAccess(clients, org.identity().accountId());
        iam = clients.build(IamClient.builder(), infosec);
        for (OrgConfig.User user : config.users()) {
            iam.createUser(r -> r.userName(user.name()));
        }
        keys = TestKeys.withEncryptionSubkey();
    }

    @Test
    void apply_whenUserHasNoLoginProfile_expectedProfileWithResetRequiredAndDecryptablePassword() {
        LoginResult result = phase().apply(state(new OneTimeLoginRequest("ExampleAdmin", keys.armoredPublicKey())));

        assertThat(result.skipped()).isFalse();
        assertThat(result.user()).isEqualTo("ExampleAdmin");
        assertThat(result.signInUrl())
                .isEqualTo("https://" + config.organization().name() + "-infosec.signin.aws.amazon.com/console");
        assertThat(result.changes()).contains("Iam:CreateLoginProfile").doesNotContain("Iam:DeleteLoginProfile");
        assertThat(iam.getLoginProfile(r -> r.userName("ExampleAdmin")).loginProfile().passwordResetRequired())
                .isTrue();
        String password = keys.decrypt(result.encryptedPassword()).plaintext();
        assertThat(password).hasSize(20).matches(".*[A-Z].*").matches(".*[a-z].*").matches(".*[0-9].*");
        assertThat(result.toString()).doesNotContain(password);
    }

    @Test
    void apply_whenRunTwice_expectedProfileReplacedWithANewPassword() {
        var request = new OneTimeLoginRequest("ExampleDeveloper", keys.armoredPublicKey());
        LoginResult first = phase().apply(state(request));

        LoginResult second = phase().apply(state(request));

        // moto keeps the reset flag across delete/create, so no UpdateLoginProfile the second time
        assertThat(first.changes()).containsExactly("Iam:CreateLoginProfile", "Iam:UpdateLoginProfile");
        assertThat(second.changes()).containsExactly("Iam:DeleteLoginProfile", "Iam:CreateLoginProfile");
        assertThat(iam.getLoginProfile(r -> r.userName("ExampleDeveloper")).loginProfile().passwordResetRequired())
                .isTrue();
        assertThat(keys.decrypt(second.encryptedPassword()).plaintext())
                .isNotEqualTo(keys.decrypt(first.encryptedPassword()).plaintext());
    }

    @Test
    void apply_whenKeyIsMalformed_expectedInvalidPublicKeyAndNoLoginProfile() {
        var request = new OneTimeLoginRequest("ExampleBilling",
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n");

        assertThatThrownBy(() -> phase().apply(state(request))).isInstanceOf(InvalidPublicKeyException.class);
        assertThatThrownBy(() -> iam.getLoginProfile(r -> r.userName("ExampleBilling")))
                .isInstanceOf(NoSuchEntityException.class);
        assertThat(clients.calls().drain()).isEmpty();
    }

    @Test
    void apply_whenUserMissingInIam_expectedClearErrorAndNothingChanged() {
        var request = new OneTimeLoginRequest("NobodyHere", keys.armoredPublicKey());

        assertThatThrownBy(() -> phase().apply(state(request)))
                .isInstanceOf(io.palisade.common.errors.PrerequisiteMissingException.class)
                .hasMessageContaining("'NobodyHere' does not exist");
        assertThat(clients.calls().drain()).isEmpty();
    }

    private static OneTimeLogin phase() {
        return new OneTimeLogin(clients, state -> infosec);
    }

    private static RunState state(OneTimeLoginRequest request) {
        return new RunState(RunState.BOOTSTRAP, config, request, new RunState.Run("it-" + UUID.randomUUID(),
                "2025-01-01T00:00:00Z"), org, null, null, null, null, null, null);
    }

}
