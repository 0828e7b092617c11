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
     * Jars no Palisade function uses, each of which once came in through Powertools logging
     * (issue 9: about 3.9 MB of every artifact):
     * <ul>
     *   <li>log4j-core (2 MB) and its layout: logging is io.palisade.common.logging, an SLF4J
     *       provider of 10 KB;</li>
     *   <li>joda-time and jackson-datatype-joda: no Joda type in any payload (java.time is used);</li>
     *   <li>JMESPath: no JMESPath expression is evaluated;</li>
     *   <li>aws-lambda-java-events: every handler is a RequestStreamHandler reading its own
     *       records, no Lambda event type is used;</li>
     *   <li>Powertools: what is left of it without the above is its logging front end.</li>
     * </ul>
     * And the SDK's other HTTP clients: every client is built on the url-connection client
     * (io.palisade.common.aws.Clients), so apache-client and netty-nio-client would be dead weight.
     */
    static final Map<String, Pattern> DENIED = Map.of(
            "log4j", Pattern.compile("log4j-.*\\.jar"),
            "joda", Pattern.compile("(joda-time|jackson-datatype-joda)-.*\\.jar"),
            "jmespath", Pattern.compile("jmespath-.*\\.jar"),
            "lambda events", Pattern.compile("aws-lambda-java-events-.*\\.jar"),
            "powertools", Pattern.compile("powertools-.*\\.jar"),
            "other SDK HTTP clients", Pattern.compile("(apache-client|apache5-client|netty-nio-client|aws-crt-client)-.*\\.jar"));

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
