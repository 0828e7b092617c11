package io.palisade.onetimelogin;

import io.palisade.common.state.LoginResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OneTimeLoginRequest;
import io.palisade.common.errors.InvalidPublicKeyException;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

class OneTimeLoginTest {
    private static final StaticCredentialsProvider NO_ONE =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test"));
    /** Any AWS call would fail: nothing listens on the discard port. */
    private final Clients clients = new Clients(Region.US_EAST_1, URI.create("http://127.0.0.1:9"),
            UrlConnectionHttpClient.create(), NO_ONE);
    private final AtomicInteger credentialRequests = new AtomicInteger();
    private final OneTimeLogin phase = new OneTimeLogin(clients, state -> {
        credentialRequests.incrementAndGet();
        return NO_ONE;
    });

    @Test
    void apply_whenNoLoginRequested_expectedSkippedWithoutAwsCalls() {
        LoginResult result = phase.apply(state(null));

        assertThat(result.skipped()).isTrue();
        assertThat(result.encryptedPassword()).isNull();
        assertThat(result.changes()).isEmpty();
        assertThat(credentialRequests).hasValue(0);
    }

    @Test
    void apply_whenKeyIsMalformed_expectedInvalidPublicKeyBeforeAnyAwsCall() {
        var request = new OneTimeLoginRequest("ExampleAdmin",
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n");

        assertThatThrownBy(() -> phase.apply(state(request))).isInstanceOf(InvalidPublicKeyException.class);
        assertThat(credentialRequests).hasValue(0);
    }

    @Test
    void signInUrl_whenAlias_expectedConsoleUrlOfThatAlias() {
        assertThat(OneTimeLogin.signInUrl("acme-infosec"))
                .isEqualTo("https://acme-infosec.signin.aws.amazon.com/console");
    }

    @Test
    void toString_whenResultHoldsAMessage_expectedMessageNotShown() {
        var result = new LoginResult(false, "ExampleAdmin", "ABCD", "-----BEGIN PGP MESSAGE-----xyz",
                "https://x.signin.aws.amazon.com/console", List.of());

        assertThat(result.toString()).doesNotContain("xyz").contains("ExampleAdmin");
    }

    private static RunState state(OneTimeLoginRequest request) {
        var config = Emulator.config("acme");
        var org = new RunState.Org("111111111111", "o-test", List.of(), true, 1,
                new RunState.Target("infosec", "222222222222"), List.of(), List.of(), 0, List.of());
        return new RunState(RunState.BOOTSTRAP, config, request, new RunState.Run("run-1", "2025-01-01T00:00:00Z"),
                org, null, new RunState.TempAdmin(Names.TEMP_ADMIN_USER, null, "arn:secret", Names.BOOTSTRAP_ROLE,
                        List.of()), null, null, null, null);
    }
}
