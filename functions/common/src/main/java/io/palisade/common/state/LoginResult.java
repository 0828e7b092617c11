package io.palisade.common.state;

import java.util.List;

/**
 * What the one-time-login phase returns into the execution: only the password encrypted to the
 * user's OpenPGP key, never the password itself.
 *
 * @param skipped true when the execution asked for no one-time login (then nothing else is set)
 * @param user the IAM user (in the identity account) whose console password was (re)set
 * @param keyFingerprint the fingerprint (hex) of the OpenPGP (sub)key the password is encrypted to
 * @param encryptedPassword the password as an ASCII-armored OpenPGP message; {@code gpg --decrypt} shows it
 * @param signInUrl the identity account's console sign-in URL; the password must be changed at first sign-in
 * @param changes the changing AWS calls this phase made
 */
public record LoginResult(
        boolean skipped,
        String user,
        String keyFingerprint,
        String encryptedPassword,
        String signInUrl,
        List<String> changes) {

    public static LoginResult skip() {
        return new LoginResult(true, null, null, null, null, List.of());
    }

    @Override
    public String toString() {
        return "LoginResult[skipped=" + skipped + ", user=" + user + ", keyFingerprint=" + keyFingerprint
                + ", encryptedPassword=" + (encryptedPassword == null ? null : "<OpenPGP message>")
                + ", signInUrl=" + signInUrl + ", changes=" + changes + "]";
    }
}
