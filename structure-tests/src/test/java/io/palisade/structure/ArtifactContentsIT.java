package io.palisade.structure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What each function's java21 artifact holds: {@code functions/<module>/target/lambda/lib}, as
 * {@code mvn package} leaves it and {@code sam build} copies it (functions/lambda.mk). An IT, so
 * it runs after the function modules are packaged ({@code ./palisade test} runs {@code verify}).
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
