package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3control.endpoints.S3ControlEndpointParams;

/** S3 Control's endpoint: the SDK's rules on AWS, the configured host where an endpoint is configured. */
class S3ControlHostTest {
    private static final String ACCOUNT = "123456789012";

    private static URI resolve(String endpoint) {
        S3ControlEndpointParams.Builder params = S3ControlEndpointParams.builder().region(Region.US_EAST_1)
                .accountId(ACCOUNT).requiresAccountId(true);
        if (endpoint != null) {
            params.endpoint(endpoint);
        }
        return S3ControlHost.provider().resolveEndpoint(params.build()).join().url();
    }

    @Test
    void resolveEndpoint_whenNoEndpointIsConfigured_isTheSdksAccountHost() {
        assertThat(resolve(null).getHost()).isEqualTo(ACCOUNT + ".s3-control.us-east-1.amazonaws.com");
    }

    @Test
    void resolveEndpoint_whenAnEndpointIsConfigured_keepsItsHostPortAndPath() {
        URI url = resolve("https://localhost:5444");

        assertThat(url.getScheme()).isEqualTo("https");
        assertThat(url.getHost()).isEqualTo("localhost");
        assertThat(url.getPort()).isEqualTo(5444);
    }

    @Test
    void withoutAccountLabel_whenTheHostDoesNotStartWithTheAccount_isUnchanged() {
        Endpoint other = Endpoint.builder().url(URI.create("https://s3-control.example.com:8443/base")).build();

        assertThat(S3ControlHost.withoutAccountLabel(other, ACCOUNT)).isSameAs(other);
        assertThat(S3ControlHost.withoutAccountLabel(Endpoint.builder()
                .url(URI.create("https://" + ACCOUNT + ".s3-control.example.com:8443/base")).build(), ACCOUNT).url())
                .isEqualTo(URI.create("https://s3-control.example.com:8443/base"));
    }
}
