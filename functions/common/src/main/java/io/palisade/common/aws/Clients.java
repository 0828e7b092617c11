package io.palisade.common.aws;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Builds SDK clients for the organization being bootstrapped. One instance per container:
 * the HTTP client, the base credentials and assumed-role sessions are reused across calls.
 *
 * <p>Configuration, from the function's environment (set by the template):
 * {@code AWS_REGION}; {@code PALISADE_ENDPOINT_URL} (empty on AWS; an emulator's URL otherwise);
 * {@code PALISADE_CA_BUNDLE} (optional PEM file trusted besides the JDK's CAs).
 */
public final class Clients {
    /** The role AWS Organizations creates in each new member account, trusted by the management account. */
    public static final String ORGANIZATION_ACCESS_ROLE = "OrganizationAccountAccessRole";

    private final Region region;
    private final URI endpoint;
    private final SdkHttpClient http;
    private final AwsCredentialsProvider base;
    private final CallLog calls = new CallLog();
    private final Map<String, AwsCredentialsProvider> sessions = new ConcurrentHashMap<>();
    private final Map<String, Object> cache = new ConcurrentHashMap<>();

    public Clients(Region region, URI endpoint, SdkHttpClient http, AwsCredentialsProvider base) {
        this.region = region;
        this.endpoint = endpoint;
        this.http = http;
        this.base = base;
    }

    public static Clients fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static Clients fromEnvironment(Map<String, String> env) {
        String region = env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
        String endpoint = env.get("PALISADE_ENDPOINT_URL");
        String caBundle = env.get("PALISADE_CA_BUNDLE");
        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder();
        if (caBundle != null && !caBundle.isBlank()) {
            TrustManager[] trust = trustManagers(Path.of(caBundle));
            http.tlsTrustManagersProvider(() -> trust);
        }
        return new Clients(Region.of(region),
                endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint),
                http.build(),
                DefaultCredentialsProvider.builder().build());
    }

    public Region region() {
        return region;
    }

    /** {@code aws}, {@code aws-cn}, {@code aws-us-gov}: for ARNs that must be partition-safe. */
    public String partition() {
        return region.metadata() == null ? "aws" : region.metadata().partition().id();
    }

    public AwsCredentialsProvider baseCredentials() {
        return base;
    }

    public CallLog calls() {
        return calls;
    }

    /** A client acting with the function's own credentials (the management account). */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder) {
        return build(builder, base);
    }

    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, AwsCredentialsProvider credentials) {
        builder.region(region)
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(o -> o.addExecutionInterceptor(calls));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    /**
     * A client kept for the container's life under {@code key} (e.g. "iam|123456789012|bootstrap"),
     * so per-account clients are built once, not per call.
     */
    @SuppressWarnings("unchecked")
    public <C> C cached(String key, java.util.function.Supplier<C> factory) {
        return (C) cache.computeIfAbsent(key, k -> factory.get());
    }

    /**
     * A client acting with {@code credentials}, kept while those credentials are the same object:
     * a new temp-admin key or a dropped session gets a new client, never the stale one.
     */
    public <C> C cached(String key, AwsCredentialsProvider credentials, java.util.function.Supplier<C> factory) {
        return cached(key + "|" + System.identityHashCode(credentials), factory);
    }

    public S3Client s3(AwsCredentialsProvider credentials) {
        // path-style only where an endpoint override cannot serve bucket subdomains
        return build(S3Client.builder().forcePathStyle(endpoint != null), credentials);
    }

    /** Credentials for {@code roleName} in {@code accountId}, assumed from {@code source}; refreshed automatically. */
    public AwsCredentialsProvider assume(AwsCredentialsProvider source, String accountId, String roleName) {
        String arn = "arn:" + partition() + ":iam::" + accountId + ":role/" + roleName;
        return sessions.computeIfAbsent(System.identityHashCode(source) + "|" + arn, k -> {
            StsClient sts = build(StsClient.builder(), source);
            return StsAssumeRoleCredentialsProvider.builder()
                    .stsClient(sts)
                    .refreshRequest(r -> r.roleArn(arn).roleSessionName("palisade").durationSeconds(3600))
                    .asyncCredentialUpdateEnabled(false)
                    .build();
        });
    }

    /** Drops a cached session (e.g. after a role's trust policy changed). */
    public void forget(AwsCredentialsProvider source, String accountId, String roleName) {
        String arn = "arn:" + partition() + ":iam::" + accountId + ":role/" + roleName;
        sessions.remove(System.identityHashCode(source) + "|" + arn);
    }

    private static TrustManager[] trustManagers(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            // the JDK's own CAs stay trusted
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            int i = 0;
            for (TrustManager tm : jdk.getTrustManagers()) {
                if (tm instanceof javax.net.ssl.X509TrustManager x) {
                    for (var ca : x.getAcceptedIssuers()) {
                        store.setCertificateEntry("jdk-" + i++, ca);
                    }
                }
            }
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("bundle-" + i++, cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf.getTrustManagers();
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("PALISADE_CA_BUNDLE " + pem + " cannot be read: " + e.getMessage(), e);
        }
    }
}
