package io.palisade.common.aws;

import io.palisade.common.Names;
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
import io.palisade.common.config.OrgConfig;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
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
 *
 * <p>Regions: {@code AWS_REGION} is where Palisade's own stack runs ({@link #control}, the
 * temp-admin's secret). What Palisade builds in the organization lives in the config's
 * {@code organization.region}: a phase acts there through {@link #inHomeRegion(OrgConfig)}, a
 * view sharing this instance's HTTP client, base credentials, sessions and call log; its client
 * cache keys carry the region, so a warm container never hands out another region's client.
 */
public final class Clients {
    /**
     * The SDK retry strategy of every client but {@link #buildWithoutRetries}: the standard
     * strategy (exponential backoff, full jitter, longer base delay for throttling) with 5
     * attempts instead of 3, and no circuit breaker.
     * <ul>
     *   <li>5 attempts: at a 20 % failure rate a call still fails after all of them 1 time in
     *       3,125 (0.2^5), so a phase of ~100 calls finishes in one invocation ~97 % of the time;
     *       the state machine's retry of {@code TransientAwsException} covers the rest.</li>
     *   <li>Every changing call that this retries is idempotent (Put/Update/Attach/Tag, or
     *       Create through {@link ChangeExecutor}, where "already exists" means done); the
     *       non-idempotent ones use {@link #buildWithoutRetries}.</li>
     *   <li>No circuit breaker: its token bucket exists to stop many callers from amplifying an
     *       outage; Palisade is one caller per account, bounded by the state machine's retries,
     *       and a drained bucket would turn a burst of throttling into a failed phase.</li>
     * </ul>
     */
    static final RetryStrategy RETRIES = AwsRetryStrategy.standardRetryStrategy().toBuilder()
            .maxAttempts(5)
            .circuitBreakerEnabled(false)
            .build();

    private final Region region;
    /** The function's own region (AWS_REGION): where {@link #control} clients go, whatever the view. */
    private final Region ownRegion;
    private final URI endpoint;
    /** Where Palisade's own stack runs (Step Functions, the run topic): empty on AWS. */
    private URI controlEndpoint;
    private final SdkHttpClient http;
    private final AwsCredentialsProvider base;
    private final CallLog calls;
    private final Map<String, AwsCredentialsProvider> sessions;
    private final Map<String, Object> cache;
    /** Every region's view of this container's clients, shared by all of them. */
    private final Map<Region, Clients> views;

    public Clients(Region region, URI endpoint, SdkHttpClient http, AwsCredentialsProvider base) {
        this.region = region;
        this.ownRegion = region;
        this.endpoint = endpoint;
        this.http = http;
        this.base = base;
        this.calls = new CallLog();
        this.sessions = new ConcurrentHashMap<>();
        this.cache = new ConcurrentHashMap<>();
        this.views = new ConcurrentHashMap<>();
        views.put(region, this);
    }

    /** A view of {@code origin} in another region: everything shared but the region its clients use. */
    private Clients(Clients origin, Region region) {
        this.region = region;
        this.ownRegion = origin.ownRegion;
        this.endpoint = origin.endpoint;
        this.controlEndpoint = origin.controlEndpoint;
        this.http = origin.http;
        this.base = origin.base;
        this.calls = origin.calls;
        this.sessions = origin.sessions;
        this.cache = origin.cache;
        this.views = origin.views;
    }

    /**
     * These clients in {@code other}: same HTTP client, base credentials, assumed-role sessions
     * and call log; clients built and cached there use {@code other}. One view per region and
     * container.
     */
    public Clients inRegion(Region other) {
        if (other == null || other.equals(region)) {
            return this;
        }
        return views.computeIfAbsent(other, r -> new Clients(this, r));
    }

    /**
     * These clients in the organization's home region, {@code organization.region} of the
     * config: where every phase creates and reads what it builds in the organization. A config
     * without a region (not validated yet, or a test's partial config) keeps the function's own.
     */
    public Clients inHomeRegion(OrgConfig config) {
        return inRegion(homeRegion(config));
    }

    /** {@code organization.region} of the config, or {@code null} when it names none. */
    public static Region homeRegion(OrgConfig config) {
        String id = config == null || config.organization() == null ? null : config.organization().region();
        return id == null || id.isBlank() ? null : Region.of(id);
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
        Clients clients = new Clients(Region.of(region),
                endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint),
                http.build(),
                DefaultCredentialsProvider.builder().build());
        String control = env.get("PALISADE_CONTROL_ENDPOINT_URL");
        clients.controlEndpoint = control == null || control.isBlank() ? null : URI.create(control);
        return clients;
    }

    /**
     * A client for Palisade's own stack in the management account (Step Functions, the run
     * topic), with the function's own credentials, in the function's own region whatever this
     * view's. On AWS that is the same account and the default endpoint; locally the stack runs
     * in another emulator than the organization.
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C control(B builder) {
        return build(builder, base, RETRIES, controlEndpoint, ownRegion);
    }

    /**
     * S3 in Palisade's own stack (the run bucket), as {@link #control}: the function's own
     * credentials and region; path-style where an emulator's endpoint cannot serve bucket subdomains.
     */
    public S3Client controlS3() {
        return control(S3Client.builder().forcePathStyle(controlEndpoint != null));
    }

    /** The region the clients of this view act in. */
    public Region region() {
        return region;
    }

    /** The function's own region (AWS_REGION), where Palisade's stack and its secret live. */
    public Region ownRegion() {
        return ownRegion;
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
        return build(builder, credentials, RETRIES, endpoint, region);
    }

    /**
     * A client that never repeats a request itself, for the few calls that are not idempotent
     * and have no idempotency token: {@code CreateAccount}, {@code CreateKey},
     * {@code CreateAccessKey}. If such a call's response is lost, the SDK cannot know whether
     * AWS acted; repeating it would make a second account, key or credential. The caller gets
     * a {@link io.palisade.common.errors.TransientAwsException} instead, and the phase's next
     * attempt first looks for what the lost call may have made.
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C buildWithoutRetries(
            B builder, AwsCredentialsProvider credentials) {
        return build(builder, credentials, AwsRetryStrategy.doNotRetry(), endpoint, region);
    }

    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, AwsCredentialsProvider credentials, RetryStrategy retries, URI target, Region in) {
        if (credentials == AbsentAccount.CREDENTIALS) {
            // an account that does not exist yet (a plan's): answered locally, never called
            return AbsentAccount.client(builder.region(in).credentialsProvider(credentials).httpClient(http).build());
        }
        boolean assumed = credentials != base;
        builder.region(in)
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(o -> o.retryStrategy(retries)
                        .addExecutionInterceptor(calls)
                        .addExecutionInterceptor(new TransientErrors(assumed)));
        if (target != null) {
            builder.endpointOverride(target);
        }
        return builder.build();
    }

    /**
     * A client kept for the container's life under {@code key} (e.g. "iam|123456789012|bootstrap")
     * in this view's region, so per-account clients are built once, not per call, and a client
     * of one region is never returned in another.
     */
    @SuppressWarnings("unchecked")
    public <C> C cached(String key, java.util.function.Supplier<C> factory) {
        return (C) cache.computeIfAbsent(region.id() + "|" + key, k -> factory.get());
    }

    /**
     * A client acting with {@code credentials}, kept while those credentials are the same object:
     * a new temp-admin key or a dropped session gets a new client, never the stale one.
     */
    public <C> C cached(String key, AwsCredentialsProvider credentials, java.util.function.Supplier<C> factory) {
        return cached(key + "|" + System.identityHashCode(credentials), factory);
    }

    /**
     * S3 in this view's region. Cross-region access is on: a phase that does not know the
     * organization's home region (a drift run reading the last config, the cleanup after an
     * execution ended) still reads the state bucket, wherever it is, after one redirect.
     */
    public S3Client s3(AwsCredentialsProvider credentials) {
        // path-style only where an endpoint override cannot serve bucket subdomains
        return build(S3Client.builder().forcePathStyle(endpoint != null).crossRegionAccessEnabled(true), credentials);
    }

    /** Credentials for {@code roleName} in {@code accountId}, assumed from {@code source}; refreshed automatically. */
    public AwsCredentialsProvider assume(AwsCredentialsProvider source, String accountId, String roleName) {
        String arn = Names.roleArn(partition(), accountId, roleName);
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
        String arn = Names.roleArn(partition(), accountId, roleName);
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
