package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.errors.TransientAwsException;
import io.palisade.common.testkit.CannedHttpClient;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.StsException;

class AwsErrorsTest {
    private static final AwsCredentialsProvider BASE =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDBASE", "secret"));

    private static Clients clients(SdkHttpClient http) {
        return new Clients(Region.US_EAST_1, URI.create("https://localhost:1"), http, BASE);
    }

    private static AwsServiceException error(int status, String code) {
        return StsException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("m").build()).build();
    }

    /** As a phase runs a call: what leaves it is what {@code PhaseHandler} throws. */
    private static void call(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            throw AwsErrors.classify(e);
        }
    }

    @Test
    void isTransient_whenThrottledBusyOr5xx_true() {
        assertThat(AwsErrors.isTransient(error(400, "Throttling"))).isTrue();
        assertThat(AwsErrors.isTransient(error(400, "TooManyRequestsException"))).isTrue();
        assertThat(AwsErrors.isTransient(error(400, "ConcurrentModificationException"))).isTrue();
        assertThat(AwsErrors.isTransient(error(503, "SlowDown"))).isTrue();
        assertThat(AwsErrors.isTransient(error(500, "Anything"))).isTrue();
        assertThat(AwsErrors.isTransient(SdkClientException.create("reset",
                new java.net.SocketException("Connection reset")))).isTrue();
    }

    @Test
    void isTransient_whenQuotaOrValidationOrDenied_false() {
        assertThat(AwsErrors.isTransient(error(409, "LimitExceeded"))).isFalse();
        assertThat(AwsErrors.isTransient(error(400, "LimitExceededException"))).isFalse();
        assertThat(AwsErrors.isTransient(error(400, "MalformedPolicyDocument"))).isFalse();
        assertThat(AwsErrors.isTransient(error(403, "AccessDenied"))).isFalse();
    }

    @Test
    void classify_whenConsistencyWindow_transientOnlyWherePalisadeJustMadeIt() {
        // AssumeRole of a role or with a key made moments ago
        assertThat(AwsErrors.classify(error(403, "AccessDenied"), "Sts", "AssumeRole", false))
                .isInstanceOf(TransientAwsException.class);
        assertThat(AwsErrors.classify(error(403, "InvalidClientTokenId"), "Sts", "AssumeRole", false))
                .isInstanceOf(TransientAwsException.class);
        // a freshly assumed role whose policy was just written
        assertThat(AwsErrors.classify(error(403, "AccessDenied"), "Iam", "CreateRole", true))
                .isInstanceOf(TransientAwsException.class);
        // a write to an entity created moments ago
        assertThat(AwsErrors.classify(error(404, "NoSuchEntity"), "Iam", "PutUserPolicy", false))
                .isInstanceOf(TransientAwsException.class);
        // ... but the function's own role being denied is a real missing permission
        assertThat(AwsErrors.classify(error(403, "AccessDenied"), "Iam", "CreateRole", false))
                .isNotInstanceOf(TransientAwsException.class);
        // ... and a read's or a delete's NoSuchEntity is an answer
        assertThat(AwsErrors.classify(error(404, "NoSuchEntity"), "Iam", "GetRole", true))
                .isNotInstanceOf(TransientAwsException.class);
        assertThat(AwsErrors.classify(error(404, "NoSuchEntity"), "Iam", "DeleteRole", true))
                .isNotInstanceOf(TransientAwsException.class);
    }

    @Test
    void client_when5xxEveryTime_triesFiveTimesThenThrowsTransient() {
        CannedHttpClient http = new CannedHttpClient(500, "InternalFailure");
        StsClient sts = clients(http).build(StsClient.builder());
        assertThatThrownBy(() -> call(sts::getCallerIdentity))
                .isInstanceOf(TransientAwsException.class)
                .hasMessageContaining("Sts:GetCallerIdentity")
                .hasMessageContaining("InternalFailure")
                .hasCauseInstanceOf(StsException.class);
        assertThat(http.requests).hasValue(5);
    }

    @Test
    void clientWithoutRetries_when5xx_triesOnce() {
        CannedHttpClient http = new CannedHttpClient(500, "InternalFailure");
        StsClient sts = clients(http).buildWithoutRetries(StsClient.builder(), BASE);
        assertThatThrownBy(() -> call(sts::getCallerIdentity)).isInstanceOf(TransientAwsException.class);
        assertThat(http.requests).hasValue(1);
    }

    @Test
    void client_whenOwnRoleDenied_throwsThePermanentErrorOnce() {
        CannedHttpClient http = new CannedHttpClient(403, "AccessDenied");
        StsClient sts = clients(http).build(StsClient.builder());
        assertThatThrownBy(() -> call(sts::getCallerIdentity)).isInstanceOf(StsException.class)
                .hasMessageContaining("canned");
        assertThat(http.requests).hasValue(1);
    }

    @Test
    void client_whenAssumeRoleDenied_throwsTransient() {
        CannedHttpClient http = new CannedHttpClient(403, "AccessDenied");
        StsClient sts = clients(http).build(StsClient.builder());
        assertThatThrownBy(() -> call(() -> sts.assumeRole(r -> r.roleArn("arn:aws:iam::111111111111:role/R")
                .roleSessionName("s")))).isInstanceOf(TransientAwsException.class);
        // the same denial for a call the function makes with its own role is permanent
        assertThatThrownBy(() -> call(() -> sts.getSessionToken()))
                .isInstanceOf(StsException.class);
    }

    @Test
    void assumeRoleDenied_whenAssumeRoleWasDenied_true() {
        CannedHttpClient http = new CannedHttpClient(403, "AccessDenied");
        StsClient sts = clients(http).build(StsClient.builder());
        try {
            sts.assumeRole(r -> r.roleArn("arn:aws:iam::111111111111:role/R").roleSessionName("s"));
            throw new AssertionError("no error");
        } catch (StsException e) {
            assertThat(AwsErrors.assumeRoleDenied(e)).isTrue();
        }
        try {
            sts.getCallerIdentity();
            throw new AssertionError("no error");
        } catch (StsException e) {
            assertThat(AwsErrors.assumeRoleDenied(e)).as("another operation's denial").isFalse();
        }
    }

    @Test
    void changeExecutor_whenCreateAlreadyExists_readsInstead() {
        String got = ChangeExecutor.create("iam:role", "R", () -> {
            throw error(409, "EntityAlreadyExists");
        }, () -> "read");
        assertThat(got).isEqualTo("read");
    }

    @Test
    void changeExecutor_whenRemoveNotFound_done() {
        assertThat(ChangeExecutor.remove("iam:user", "U", () -> {
            throw error(404, "NoSuchEntity");
        })).isFalse();
        assertThat(ChangeExecutor.remove("iam:user", "U", () -> {})).isTrue();
    }

    @Test
    void changeExecutor_whenUpdateNotFoundOrCreateDenied_permanentErrorStays() {
        assertThatThrownBy(() -> ChangeExecutor.create("iam:role", "R", () -> {
            throw error(403, "AccessDenied");
        })).isInstanceOf(StsException.class);
        assertThatThrownBy(() -> ChangeExecutor.update("iam:role", "R", () -> {
            throw error(400, "Throttling");
        })).isInstanceOf(TransientAwsException.class);
    }
}
