package io.palisade.onetimelogin;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.config.OrgConfig;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PasswordGeneratorTest {
    private static final OrgConfig.PasswordPolicy POLICY =
            new OrgConfig.PasswordPolicy(14, true, true, true, true, 24, 90, true);
    private final PasswordGenerator generator = new PasswordGenerator(new SecureRandom());

    @Test
    void generate_whenManySamples_expectedEveryOneMeetsThePolicy() {
        Set<String> seen = new HashSet<>();
        for (int n = 0; n < 2000; n++) {
            String password = new String(generator.generate(POLICY));
            assertThat(password).hasSize(20);
            assertThat(password).matches(".*[A-Z].*").matches(".*[a-z].*").matches(".*[0-9].*")
                    .matches(".*[!@#$%^&*()_+\\-=\\[\\]{}|'].*");
            assertThat(password.chars()).allMatch(c -> (PasswordGenerator.UPPER + PasswordGenerator.LOWER
                    + PasswordGenerator.DIGITS + PasswordGenerator.SYMBOLS).indexOf(c) >= 0);
            seen.add(password);
        }
        assertThat(seen).hasSize(2000);
    }

    @Test
    void generate_whenPolicyMinimumIsLonger_expectedThatLength() {
        var policy = new OrgConfig.PasswordPolicy(40, true, true, true, true, null, null, null);

        assertThat(generator.generate(policy)).hasSize(40);
    }

    @Test
    void generate_whenPolicyMinimumAboveIamLimit_expectedIamMaximum() {
        var policy = new OrgConfig.PasswordPolicy(500, false, false, false, false, null, null, null);

        assertThat(generator.generate(policy)).hasSize(PasswordGenerator.MAX_LENGTH);
    }

    @Test
    void generate_whenNoPolicy_expectedTwentyCharactersOfEveryClass() {
        String password = new String(generator.generate(null));

        assertThat(password).hasSize(20).matches(".*[A-Z].*").matches(".*[a-z].*").matches(".*[0-9].*")
                .matches(".*[!@#$%^&*()_+\\-=\\[\\]{}|'].*");
    }

    @Test
    void generate_whenManySamples_expectedRequiredCharactersNotAlwaysInFront() {
        Set<Character> firstChars = new HashSet<>();
        for (int n = 0; n < 200; n++) {
            char first = generator.generate(POLICY)[0];
            firstChars.add(Character.isUpperCase(first) ? 'U' : Character.isLowerCase(first) ? 'L'
                    : Character.isDigit(first) ? 'D' : 'S');
        }
        assertThat(firstChars).containsExactlyInAnyOrder('U', 'L', 'D', 'S');
    }
}
