package io.palisade.structure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What each function's java21 artifact holds: {@code functions/<module>/target/lambda/lib}, as
 * {@code mvn package} leaves it (the SDK service modules and BouncyCastle shrunk by
 * scripts/shrink_jars.py) and {@code sam build} copies it (functions/lambda.mk). An IT, so it
 * runs after the function modules are packaged ({@code ./palisade test} runs {@code verify}).
 */
class ArtifactContentsIT {
    /**
     * Jars no Palisade function loads a class from, which Powertools logging's serialization
     * module ({@code powertools-serialization}, excluded in the root pom) would bring:
     * <ul>
     *   <li>powertools-serialization itself: Powertools logging needs its {@code JsonConfig} only
     *       to extract a correlation id by JMESPath (PhaseHandler configures none) and to write a
     *       POJO given as a structured argument (Palisade logs strings);</li>
     *   <li>JMESPath: no JMESPath expression is evaluated;</li>
     *   <li>aws-lambda-java-events: every handler is a RequestStreamHandler reading its own
     *       records, no Lambda event type is used;</li>
     *   <li>joda-time and jackson-datatype-joda: the events' date type; no Joda type in any
     *       payload (java.time is used).</li>
     * </ul>
     * slf4j-api 1.x: Maven would pick the SDK's 1.7, which cannot find log4j's SLF4J 2 provider
     * and logs nothing. And the SDK's other HTTP clients: every client is built on the
     * url-connection client (io.palisade.common.aws.Clients), so apache-client and
     * netty-nio-client would be dead weight.
     */
    static final Map<String, Pattern> DENIED = Map.of(
            "powertools serialization", Pattern.compile("powertools-serialization-.*\\.jar"),
            "jmespath", Pattern.compile("jmespath-.*\\.jar"),
            "lambda events", Pattern.compile("aws-lambda-java-events-.*\\.jar"),
            "joda", Pattern.compile("(joda-time|jackson-datatype-joda)-.*\\.jar"),
            "slf4j 1", Pattern.compile("slf4j-api-1\\..*\\.jar"),
            "other SDK HTTP clients", Pattern.compile("(apache-client|apache5-client|netty-nio-client|aws-crt-client)-.*\\.jar"));

    /** What structured logging needs in every artifact: Powertools on log4j, reached through SLF4J 2. */
    static final List<Pattern> REQUIRED = Stream.of(
            "powertools-logging-log4j-", "powertools-logging-", "powertools-common-",
            "log4j-core-", "log4j-layout-template-json-", "log4j-slf4j2-impl-", "slf4j-api-2\\.")
            .map(prefix -> Pattern.compile(prefix + "[0-9].*\\.jar"))
            .toList();

    /** The artifact folders: one per CodeUri of the template's functions. */
    static List<Path> libs() {
        TreeSet<String> uris = new TreeSet<>();
        JsonNode resources = Repository.template().get("Resources");
        resources.forEach(r -> {
            if ("AWS::Serverless::Function".equals(r.path("Type").asText())) {
                uris.add(r.at("/Properties/CodeUri").asText());
            }
        });
        return uris.stream().map(u -> Repository.file(u).resolve("target/lambda/lib")).toList();
    }

    @Test
    void artifacts_whenPackaged_holdNoDeniedJar() {
        Map<String, List<String>> found = new TreeMap<>();
        for (Path lib : libs()) {
            List<String> jars = jars(lib);
            assertThat(jars).as(lib + " (package the module first)").isNotEmpty();
            List<String> denied = jars.stream()
                    .filter(j -> DENIED.values().stream().anyMatch(p -> p.matcher(j).matches()))
                    .toList();
            if (!denied.isEmpty()) {
                found.put(Repository.root().relativize(lib).toString(), denied);
            }
        }
        assertThat(found).as("denied jars by artifact (see DENIED for why)").isEmpty();
    }

    @Test
    void artifacts_whenPackaged_holdPowertoolsLogging() {
        for (Path lib : libs()) {
            List<String> jars = jars(lib);
            for (Pattern required : REQUIRED) {
                assertThat(jars).as(lib + " needs " + required).anyMatch(j -> required.matcher(j).matches());
            }
        }
    }

    /**
     * Each artifact within issue 9's target, as scripts/artifact_sizes.py measures it (zipped the
     * way sam build and sam deploy zip it; its limit, 10,000,000 bytes): one measure, the script's.
     */
    @Test
    void artifacts_whenPackaged_fitTheSizeLimit() throws Exception {
        Process script = new ProcessBuilder("python3", Repository.file("scripts/artifact_sizes.py").toString(), "--json")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        JsonNode measured = Json.MAPPER.readTree(script.getInputStream());
        script.waitFor();
        long limit = measured.get("limit_bytes").asLong();
        Map<String, Long> over = new TreeMap<>();
        measured.get("artifacts").forEach(a -> {
            if (a.get("zipped_bytes").asLong() > limit) {
                over.put(a.get("artifact").asText(), a.get("zipped_bytes").asLong());
            }
        });
        assertThat(measured.get("artifacts")).as("measured artifacts").hasSize(libs().size());
        assertThat(over).as("zipped bytes of the artifacts over " + limit + " (see scripts/shrink_jars.py)").isEmpty();
    }

    /**
     * What shrinking must leave, because it is loaded by name (functions/proguard.pro): the sts
     * credential-provider factories that the SDK's default credentials chain and profile
     * reader instantiate reflectively, and each service client interface's SERVICE_NAME, which
     * io.palisade.common.aws.AbsentAccount reads reflectively. Read from the artifact's own jars.
     */
    @Test
    void artifacts_whenShrunk_keepWhatIsLoadedByName() throws Exception {
        Pattern clientInterface = Pattern.compile(
                "software/amazon/awssdk/services/[a-z0-9]+/(?!Default|Delegating)[A-Za-z0-9]+(?<!Async)Client\\.class");
        for (Path lib : libs()) {
            List<String> clients = new ArrayList<>();
            List<URL> urls = new ArrayList<>();
            for (String jar : jars(lib)) {
                urls.add(lib.resolve(jar).toUri().toURL());
                try (ZipFile zip = new ZipFile(lib.resolve(jar).toFile())) {
                    zip.stream().map(e -> e.getName()).filter(n -> clientInterface.matcher(n).matches())
                            .forEach(n -> clients.add(n.replace('/', '.').replace(".class", "")));
                }
            }
            assertThat(clients).as(lib + ": SDK client interfaces").isNotEmpty();
            try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
                for (String client : clients) {
                    assertThat(Class.forName(client, false, loader).getField("SERVICE_NAME").get(null))
                            .as(lib + ": " + client + ".SERVICE_NAME").isNotNull();
                }
                if (clients.contains("software.amazon.awssdk.services.sts.StsClient")) {
                    for (String factory : List.of("StsWebIdentityCredentialsProviderFactory", "StsProfileCredentialsProviderFactory")) {
                        assertThat(Class.forName("software.amazon.awssdk.services.sts.internal." + factory, true, loader)
                                .getConstructor().newInstance()).as(lib + ": " + factory).isNotNull();
                    }
                }
            }
        }
    }

    /**
     * Every class that shrinking kept in a shrunk jar (an SDK service module, BouncyCastle; the
     * rule of scripts/shrink_jars.py) loads, verifies and initializes from the artifact's own
     * jars: a class it needs that shrinking removed, a member only reflection reaches (an enum's
     * values(), which the SDK's EnumUtils calls through Class.getEnumConstants) or a frame
     * ProGuard recomputed wrongly fails here, not in a Lambda. Only references to the optional
     * CRT client, which no artifact ships, are allowed to be missing.
     */
    @Test
    void artifacts_whenShrunk_everyKeptClassInitializes() throws Exception {
        List<String> shrunkPackages = List.of("software/amazon/awssdk/services/", "org/bouncycastle/");
        Map<String, String> failures = new TreeMap<>();
        for (Path lib : libs()) {
            List<URL> urls = new ArrayList<>();
            List<String> kept = new ArrayList<>();
            for (String jar : jars(lib)) {
                urls.add(lib.resolve(jar).toUri().toURL());
                try (ZipFile zip = new ZipFile(lib.resolve(jar).toFile())) {
                    List<String> classes = zip.stream().map(e -> e.getName())
                            .filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/")).toList();
                    if (!jar.startsWith("palisade-") && !classes.isEmpty()
                            && classes.stream().allMatch(n -> shrunkPackages.stream().anyMatch(n::startsWith))) {
                        classes.forEach(n -> kept.add(n.substring(0, n.length() - ".class".length()).replace('/', '.')));
                    }
                }
            }
            try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
                for (String name : kept) {
                    try {
                        Class.forName(name, true, loader);
                    } catch (Throwable e) {
                        Throwable cause = e;
                        while (cause.getCause() != null) {
                            cause = cause.getCause();
                        }
                        if (!String.valueOf(cause.getMessage()).replace('.', '/').startsWith("software/amazon/awssdk/crt/")) {
                            failures.put(lib.getParent().getParent().getParent().getFileName() + ": " + name, e + " <- " + cause);
                        }
                    }
                }
            }
        }
        assertThat(failures).as("classes of shrunk jars that do not initialize (functions/proguard.pro)").isEmpty();
    }

    private static List<String> jars(Path lib) {
        if (!Files.isDirectory(lib)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(lib)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
