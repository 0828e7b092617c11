package io.palisade.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The user's side of the one-time login: a real gpg keyring in a temp dir. */
final class Gpg {
    private final Path home;

    Gpg(Path home) {
        this.home = home;
    }

    String generateAndExport(String uid) throws IOException, InterruptedException {
        run(null, "--batch", "--passphrase", "", "--quick-gen-key", uid, "default", "default", "never");
        return run(null, "--armor", "--export", uid);
    }

    String decrypt(String armored) throws IOException, InterruptedException {
        return run(armored, "--batch", "--quiet", "--decrypt");
    }

    private String run(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gpg", "--homedir", home.toString(), "--pinentry-mode", "loopback"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("gpg " + String.join(" ", args) + " failed (exit " + p.exitValue() + ")");
        }
        return out;
    }

    static Gpg inTempHome() throws IOException {
        Path home = Files.createTempDirectory("palisade-gpg");
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return new Gpg(home);
    }
}
