package io.palisade.onetimelogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.palisade.common.errors.InvalidPublicKeyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the user does with the phase's output: {@code gpg --decrypt}. Skipped where gpg is not installed. */
class GpgInteropTest {
    private Path home;

    @BeforeEach
    void gnupgHome() throws IOException {
        assumeTrue(run(List.of("gpg", "--version"), null).exit() == 0, "gpg is not installed");
        // short path: gpg-agent's socket path has a length limit
        home = Files.createTempDirectory(Path.of("/tmp"), "gpg");
    }

    @AfterEach
    void stopAgent() throws IOException {
        if (home != null) {
            run(List.of("gpgconf", "--kill", "gpg-agent"), null);
            try (var files = Files.walk(home)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "future-default"})
    void encrypt_whenKeyMadeByGpg_expectedGpgDecryptsIt(String algorithm) throws IOException {
        Result gen = gpg("--quick-gen-key", "Palisade Test <gpg-" + algorithm + "@example.com>", algorithm,
                "default", "never");
        assertThat(gen.exit()).as(gen.err()).isZero();
        Result export = gpg("--armor", "--export", "gpg-" + algorithm + "@example.com");
        assertThat(export.out()).contains("BEGIN PGP PUBLIC KEY BLOCK");
        char[] password = new PasswordGenerator(new SecureRandom()).generate(null);
        String secret = new String(password);

        String message = OpenPgpRecipient.parse(export.out())
                .encrypt(secret.getBytes(StandardCharsets.US_ASCII), new SecureRandom());
        Path file = home.resolve("password.asc");
        Files.writeString(file, message);
        Result decrypt = gpg("--verbose", "--decrypt", file.toString());

        assertThat(decrypt.exit()).as(decrypt.err()).isZero();
        assertThat(decrypt.out()).isEqualTo(secret);
        assertThat(decrypt.err()).contains("AES256");
    }

    @Test
    void parse_whenGpgKeyMayOnlySign_expectedInvalidPublicKey() throws IOException {
        Result gen = gpg("--quick-gen-key", "Palisade Test <gpg-sign@example.com>", "rsa3072", "sign", "never");
        assertThat(gen.exit()).as(gen.err()).isZero();
        String exported = gpg("--armor", "--export", "gpg-sign@example.com").out();

        assertThatThrownBy(() -> OpenPgpRecipient.parse(exported))
                .isInstanceOf(InvalidPublicKeyException.class)
                .hasMessageContaining("has no valid encryption key");
    }

    @Test
    void parse_whenGpgExportsTwoKeysInOneBlock_expectedInvalidPublicKey() throws IOException {
        gpg("--quick-gen-key", "A <gpg-a@example.com>", "future-default", "default", "never");
        gpg("--quick-gen-key", "B <gpg-b@example.com>", "future-default", "default", "never");
        String exported = gpg("--armor", "--export", "gpg-a@example.com", "gpg-b@example.com").out();

        assertThatThrownBy(() -> OpenPgpRecipient.parse(exported))
                .isInstanceOf(InvalidPublicKeyException.class)
                .hasMessageContaining("contains 2 OpenPGP keys");
    }

    private Result gpg(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("gpg", "--batch", "--pinentry-mode", "loopback",
                "--passphrase", "", "--homedir", home.toString()));
        command.addAll(List.of(args));
        return run(command, home);
    }

    private static Result run(List<String> command, Path gnupgHome) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (gnupgHome != null) {
            pb.environment().put("GNUPGHOME", gnupgHome.toString());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(127, "", e.getMessage());
        }
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroy();
                return new Result(-1, out, err + " (timed out)");
            }
            return new Result(p.exitValue(), out, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private record Result(int exit, String out, String err) {}
}
