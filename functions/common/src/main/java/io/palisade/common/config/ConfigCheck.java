package io.palisade.common.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palisade.common.errors.InvalidConfigException;
import java.io.File;
import java.io.IOException;

/**
 * {@code ./palisade plan}'s check of a config file, with the very validator the first phase
 * runs: the same field-path messages locally as from the state machine, before any AWS call.
 * Unknown fields (a typo) are errors here too.
 */
public final class ConfigCheck {
    private ConfigCheck() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ConfigCheck CONFIG.yaml");
            System.exit(2);
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            ConfigValidator.validate(yaml.readValue(new File(args[0]), OrgConfig.class));
            System.out.println("config " + args[0] + " is valid");
        } catch (InvalidConfigException e) {
            System.err.println(e.getMessage().replace("; ", "\n  ").replace("Invalid config: ", "Invalid config:\n  "));
            System.exit(2);
        } catch (IOException e) {
            System.err.println("Invalid config " + args[0] + ": " + e.getMessage().split("\n")[0]);
            System.exit(2);
        }
    }
}
