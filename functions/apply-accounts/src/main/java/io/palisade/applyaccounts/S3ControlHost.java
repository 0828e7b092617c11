package io.palisade.applyaccounts;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.services.s3control.endpoints.S3ControlEndpointParams;
import software.amazon.awssdk.services.s3control.endpoints.S3ControlEndpointProvider;

/**
 * S3 Control's endpoint rules put the account id in the host
 * ({@code <id>.s3-control.<region>.amazonaws.com}). Where an endpoint is configured (an
 * emulator at {@code https://localhost:5444}), no such subdomain resolves: there the request
 * goes to the configured host itself, and the account id travels only in the
 * {@code x-amz-account-id} header, which every S3 Control request carries anyway. Without a
 * configured endpoint (AWS) the rules' answer is used as it is.
 */
public final class S3ControlHost implements S3ControlEndpointProvider {
    private final S3ControlEndpointProvider rules;

    /** The SDK's own rules, with the configured host kept where an endpoint is configured. */
    public static S3ControlEndpointProvider provider() {
        return new S3ControlHost(S3ControlEndpointProvider.defaultProvider());
    }

    private S3ControlHost(S3ControlEndpointProvider rules) {
        this.rules = rules;
    }

    @Override
    public CompletableFuture<Endpoint> resolveEndpoint(S3ControlEndpointParams params) {
        CompletableFuture<Endpoint> resolved = rules.resolveEndpoint(params);
        if (params.endpoint() == null || params.accountId() == null) {
            return resolved;
        }
        return resolved.thenApply(endpoint -> withoutAccountLabel(endpoint, params.accountId()));
    }

    static Endpoint withoutAccountLabel(Endpoint endpoint, String accountId) {
        URI url = endpoint.url();
        String prefix = accountId + ".";
        if (url.getHost() == null || !url.getHost().startsWith(prefix)) {
            return endpoint;
        }
        URI configured = URI.create(url.getScheme() + "://" + url.getHost().substring(prefix.length())
                + (url.getPort() < 0 ? "" : ":" + url.getPort()) + (url.getRawPath() == null ? "" : url.getRawPath()));
        return endpoint.toBuilder().url(configured).build();
    }
}
