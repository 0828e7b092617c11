package io.palisade.common.testkit;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Independent witness of what a run did to the emulated organization: moto's request
 * recorder, not Palisade's own accounting. Classifies each recorded request as a call that
 * changes something or not. Recording is global to the emulator: a test sharing it with others
 * keeps the calls of its own credentials ({@link Call#accessKey}).
 */
public final class MotoRecorder {
    /** One recorded AWS call: service-ish hint, operation, the raw request text, and the access key that signed it. */
    public record Call(String operation, String method, String url, String body, String accessKey) {
        public boolean changes() {
            if (operation.startsWith("s3:")) {
                return !List.of("GET", "HEAD").contains(method);
            }
            String op = operation.substring(operation.indexOf(':') + 1);
            if (operation.startsWith("sts:")) {
                return false;
            }
            return !(op.startsWith("Get") || op.startsWith("List") || op.startsWith("Describe")
                    || op.startsWith("Head") || op.startsWith("Lookup"));
        }

        /** The run's own bookkeeping: temp-admin lifecycle, its secret, the state record, the run's report. */
        public boolean bookkeeping() {
            return body.contains(Names.TEMP_ADMIN_USER) || body.contains(Names.BOOTSTRAP_ROLE)
                    || body.contains(Names.TEMP_ADMIN_SECRET) || body.contains("palisade%2Ftemp-admin")
                    || url.contains("/" + Names.STATE_KEY) || url.contains("/" + Names.REPORT_PREFIX);
        }
    }

    private final HttpClient http;
    private final String base;

    public MotoRecorder() throws Exception {
        base = System.getenv("PALISADE_ENDPOINT_URL");
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        var certs = CertificateFactory.getInstance("X.509")
                .generateCertificates(Files.newInputStream(Path.of(System.getenv("PALISADE_CA_BUNDLE"))));
        int i = 0;
        for (var c : certs) {
            store.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(ssl).build();
    }

    public void start() throws Exception {
        post("reset-recording");
        post("start-recording");
    }

    public List<Call> stop() throws Exception {
        post("stop-recording");
        String data = http.send(HttpRequest.newBuilder(URI.create(base + "/moto-api/recorder/download-recording"))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        List<Call> calls = new ArrayList<>();
        for (String line : data.split("\n")) {
            if (!line.isBlank()) {
                calls.add(parse(Json.read(line, JsonNode.class)));
            }
        }
        return calls;
    }

    private void post(String what) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(base + "/moto-api/recorder/" + what))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    public static Call parse(JsonNode entry) {
        String method = entry.path("method").asText();
        String url = entry.path("url").asText();
        String body = entry.path("body").asText("");
        if (entry.path("body_encoded").asBoolean(false)) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        JsonNode headers = entry.path("headers");
        String authorization = headers.path("Authorization").asText("");
        String service = service(authorization);
        String target = headers.path("X-Amz-Target").asText("");
        String op;
        if (!target.isEmpty()) {
            op = target.substring(target.lastIndexOf('.') + 1);
        } else if (body.contains("Action=")) {
            String action = body.substring(body.indexOf("Action=") + 7);
            op = URLDecoder.decode(action.split("&")[0], StandardCharsets.UTF_8);
        } else {
            op = method + " " + url;
        }
        return new Call(service.toLowerCase(Locale.ROOT) + ":" + op, method, url, body, accessKey(authorization));
    }

    /** The access key from "Credential=AKID/date/region/SERVICE/aws4_request", or "unknown". */
    private static String accessKey(String authorization) {
        int i = authorization.indexOf("Credential=");
        return i < 0 ? "unknown" : authorization.substring(i + 11).split("/")[0];
    }

    /** The signing service from "Credential=AKID/date/region/SERVICE/aws4_request". */
    private static String service(String authorization) {
        int i = authorization.indexOf("Credential=");
        if (i < 0) {
            return "unknown";
        }
        String[] scope = authorization.substring(i + 11).split("[,\\s]")[0].split("/");
        return scope.length > 3 ? scope[3] : "unknown";
    }
}
