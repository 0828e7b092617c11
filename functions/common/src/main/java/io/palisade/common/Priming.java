package io.palisade.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.RunState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.crac.Context;
import org.crac.Resource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * SnapStart priming (AWS, runtime java21): before Lambda snapshots an initialized function, run
 * what a phase's first invocation would otherwise pay for after every restore: class loading,
 * Jackson's (de)serializers for the payload records, and the SDK's request path (client build,
 * endpoint rules, SigV4 signing, the query protocol's marshalling and unmarshalling, the retry
 * strategy and Palisade's interceptors).
 *
 * <p>Nothing leaves the JVM: the SDK call goes to an in-memory HTTP client that answers it
 * itself, with fixed credentials, so priming needs neither the network nor the function's
 * credentials and changes nothing anywhere. The handler's own {@link Clients} (and its
 * credentials, resolved lazily) are not touched, so nothing account-specific is in the snapshot.
 *
 * <p>Registered by every {@link PhaseHandler} with the CRaC global context (org.crac), which
 * holds resources weakly: the handler keeps it. Where there is no checkpoint (the local runtime,
 * tests, java21 without SnapStart) the hook never runs.
 */
public final class Priming implements Resource {
    static final String PAYLOAD = "priming-payload.json";
    private static final String STS_RESPONSE = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            + "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/priming</Arn><UserId>PRIMING</UserId>"
            + "<Account>123456789012</Account></GetCallerIdentityResult>"
            + "<ResponseMetadata><RequestId>priming</RequestId></ResponseMetadata></GetCallerIdentityResponse>";

    private final Class<?> inputType;
    private final String resultField;
    private final LocalHttpClient http = new LocalHttpClient();

    Priming(Class<?> inputType, String resultField) {
        this.inputType = inputType;
        this.resultField = resultField;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to renew: priming kept no credentials, ids or random state
    }

    /** What priming ran: the SDK requests its in-memory HTTP client answered. */
    int requestsAnswered() {
        return http.requests.get();
    }

    void prime() {
        primeJson();
        primeSdk();
    }

    /** The payload's way through {@link PhaseHandler}: read, convert to the input record, write back. */
    private void primeJson() {
        byte[] sample = sample();
        try {
            JsonNode payload = Json.MAPPER.readTree(new ByteArrayInputStream(sample));
            Object input = Json.MAPPER.convertValue(payload, inputType);
            RunState state = Json.MAPPER.convertValue(payload, RunState.class);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (resultField == null) {
                Json.write(out, input);
            } else {
                ((ObjectNode) payload).set(resultField, Json.MAPPER.valueToTree(state.org()));
                Json.write(out, payload);
            }
            Json.read(Json.write(state), RunState.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Priming payload unreadable: " + e.getMessage(), e);
        }
    }

    private static byte[] sample() {
        try (InputStream in = Priming.class.getResourceAsStream(PAYLOAD)) {
            if (in == null) {
                throw new IllegalStateException(PAYLOAD + " is not on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One STS GetCallerIdentity through a {@link Clients} like the phases', answered in memory. */
    private void primeSdk() {
        Clients offline = new Clients(Region.US_EAST_1, null, http,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("PRIMING", "PRIMING")));
        try (StsClient sts = offline.build(StsClient.builder())) {
            sts.getCallerIdentity();
        }
    }

    /** An HTTP client that never opens a connection: it answers every request with STS's reply. */
    private static final class LocalHttpClient implements SdkHttpClient {
        final AtomicInteger requests = new AtomicInteger();

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() {
                    requests.incrementAndGet();
                    return HttpExecuteResponse.builder()
                            .response(SdkHttpResponse.builder().statusCode(200)
                                    .putHeader("Content-Type", "text/xml").build())
                            .responseBody(AbortableInputStream.create(
                                    new ByteArrayInputStream(STS_RESPONSE.getBytes(StandardCharsets.UTF_8))))
                            .build();
                }

                @Override
                public void abort() {}
            };
        }

        @Override
        public void close() {}
    }
}
