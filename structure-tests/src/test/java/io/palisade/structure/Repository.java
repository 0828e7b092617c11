package io.palisade.structure;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** The repository's files the structure tests read: the SAM template, the ASL, the config. */
final class Repository {
    private Repository() {}

    /** The repository root: set by the pom; the parent of the module directory otherwise. */
    static Path root() {
        String configured = System.getProperty("palisade.root");
        Path root = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent();
        return root.toAbsolutePath().normalize();
    }

    static Path file(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** template.yaml as a tree; {@code !Ref X} becomes {@code {"Ref": "X"}}, {@code !GetAtt} {@code {"Fn::GetAtt": ...}}. */
    static JsonNode template() {
        return cloudFormation("template.yaml");
    }

    /** Any CloudFormation template of the repository as a tree, short-form tags read as {@link #template()} does. */
    static JsonNode cloudFormation(String relative) {
        Yaml yaml = new Yaml(new CloudFormationConstructor(new LoaderOptions()));
        Object loaded = yaml.load(read(relative));
        return Json.MAPPER.valueToTree(loaded);
    }

    static JsonNode stateMachine() {
        return Json.read(read("statemachine/bootstrap.asl.json"), JsonNode.class);
    }

    /**
     * SnakeYAML's safe constructor plus every CloudFormation short-form tag ({@code !Ref}, {@code !Sub},
     * {@code !GetAtt}, {@code !If}, {@code !Join}, ...) read as the long form it stands for.
     */
    static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor(LoaderOptions options) {
            super(options);
            // null: the constructor of any tag without a registered one
            yamlConstructors.put(null, new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    String tag = node.getTag().getValue();
                    if (!tag.startsWith("!") || tag.startsWith("!!")) {
                        throw new IllegalStateException("Unexpected YAML tag " + tag + " at " + node.getStartMark());
                    }
                    String name = tag.substring(1);
                    Object value = switch (node) {
                        case ScalarNode s -> constructScalar(s);
                        case SequenceNode s -> constructSequence(s);
                        case MappingNode m -> constructMapping(m);
                        default -> throw new IllegalStateException("Unexpected node " + node);
                    };
                    Map<String, Object> longForm = new LinkedHashMap<>();
                    longForm.put("Ref".equals(name) || "Condition".equals(name) ? name : "Fn::" + name, value);
                    return longForm;
                }
            });
        }
    }
}
