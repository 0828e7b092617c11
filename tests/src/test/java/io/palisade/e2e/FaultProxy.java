package io.palisade.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * The control endpoint of scripts/harness/fault_proxy.py, which stands between the deployed
 * phases and the emulated organization (./palisade test starts it and deploys through it).
 */
final class FaultProxy {
    private final URI control;
    private final HttpClient http;

    private FaultProxy(URI control, HttpClient http) {
        this.control = control;
        this.http = http;
    }

    static FaultProxy running() {
        String url = System.getenv("PALISADE_PROXY_URL");
        String ca = System.getenv("PALISADE_CA_BUNDLE");
        Assumptions.assumeTrue(url != null && ca != null, "PALISADE_PROXY_URL not set: run through ./palisade test");
        try (InputStream in = Files.newInputStream(Path.of(ca))) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return new FaultProxy(URI.create(url + "/__palisade/faults"),
                    HttpClient.newBuilder().sslContext(tls).build());
        } catch (Exception e) {
            throw new IllegalStateException("fault proxy CA " + ca + ": " + e.getMessage(), e);
        }
    }

    /** Fails {@code rate} of requests at random (seeded), with zeroed counters and no rules. */
    JsonNode reset(double rate, long seed) {
        return post(Map.of("rate", rate, "seed", seed, "reset", true, "rules", List.of()));
    }

    /** Adds deterministic rules, e.g. {service: iam, operation: DeleteUser, fault: AccessDenied, count: -1}. */
    JsonNode rules(List<Map<String, Object>> rules) {
        return post(Map.of("rules", rules));
    }

    JsonNode off() {
        return post(Map.of("rate", 0.0, "rules", List.of()));
    }

    /** The n operations with the most requests in a stats answer, e.g. "monitoring:PutMetricAlarm 72, ...". */
    static String busiest(JsonNode stats, int n) {
        List<Map.Entry<String, Integer>> ops = new java.util.ArrayList<>();
        stats.path("byService").properties().forEach(s -> s.getValue().path("operations").properties()
                .forEach(o -> ops.add(Map.entry(s.getKey() + ":" + o.getKey(), o.getValue().asInt()))));
        ops.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        return String.join(", ", ops.stream().limit(n).map(e -> e.getKey() + " " + e.getValue()).toList());
    }

    JsonNode stats() {
        try {
            return Json.read(http.send(HttpRequest.newBuilder(control).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body(), JsonNode.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode post(Map<String, Object> body) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(control)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("fault proxy answered " + r.statusCode() + ": " + r.body());
            }
            return Json.read(r.body(), JsonNode.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
