package io.palisade.onetimelogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.errors.InvalidPublicKeyException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenPgpRecipientTest {
    private static TestKeys keys;

    @BeforeAll
    static void keys() {
        keys = TestKeys.withEncryptionSubkey();
    }

    @Test
    void parse_whenArmoredKeyWithEncryptionSubkey_expectedTheSubkey() {
        OpenPgpRecipient recipient = OpenPgpRecipient.parse(keys.armoredPublicKey());

        assertThat(recipient.fingerprint()).matches("[0-9A-F]{40}");
        assertThat(recipient.toString()).contains(recipient.fingerprint());
    }

    @Test
    void parse_whenSurroundedByWhitespace_expectedParsed() {
        assertThat(OpenPgpRecipient.parse("\n  " + keys.armoredPublicKey() + "\n\n").fingerprint()).isNotBlank();
    }

    @Test
    void parse_whenArmorBodyIsGarbage_expectedInvalidPublicKey() {
        String garbage = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5IGF0IGFsbA==\n"
                + "-----END PGP PUBLIC KEY BLOCK-----\n";

        assertThatThrownBy(() -> OpenPgpRecipient.parse(garbage))
                .isInstanceOf(InvalidPublicKeyException.class)
                .hasMessageContaining("not a readable OpenPGP public key");
    }

    @Test
    void parse_whenTruncated_expectedInvalidPublicKey() {
        String armored = keys.armoredPublicKey();
        String truncated = armored.substring(0, armored.length() / 2);

        assertThatThrownBy(() -> OpenPgpRecipient.parse(truncated)).isInstanceOf(InvalidPublicKeyException.class);
    }

    @Test
    void parse_whenNotArmoredAtAll_expectedInvalidPublicKey() {
        assertThatThrownBy(() -> OpenPgpRecipient.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI user@host"))
                .isInstanceOf(InvalidPublicKeyException.class);
    }

    @Test
    void parse_whenBlank_expectedInvalidPublicKey() {
        assertThatThrownBy(() -> OpenPgpRecipient.parse(" "))
                .isInstanceOf(InvalidPublicKeyException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void parse_whenKeyMayOnlySign_expectedInvalidPublicKeyNamingTheKey() {
        assertThatThrownBy(() -> OpenPgpRecipient.parse(TestKeys.signOnly().armoredPublicKey()))
                .isInstanceOf(InvalidPublicKeyException.class)
                .hasMessageContaining("has no valid encryption key");
    }

    @Test
    void parse_whenTwoArmoredBlocks_expectedInvalidPublicKey() {
        String two = keys.armoredPublicKey() + "\n" + TestKeys.withEncryptionSubkey().armoredPublicKey();

        assertThatThrownBy(() -> OpenPgpRecipient.parse(two))
                .isInstanceOf(InvalidPublicKeyException.class)
                .hasMessageContaining("exactly the one");
    }

    @Test
    void encrypt_whenDecryptedWithTheSecretKey_expectedPlaintextAes256AndIntegrity() {
        OpenPgpRecipient recipient = OpenPgpRecipient.parse(keys.armoredPublicKey());

        String message = recipient.encrypt("Tr0ub4dor&3-correct-horse".getBytes(StandardCharsets.US_ASCII),
                new SecureRandom());
        TestKeys.Decrypted decrypted = keys.decrypt(message);

        assertThat(message).startsWith("-----BEGIN PGP MESSAGE-----").contains("-----END PGP MESSAGE-----")
                .doesNotContain("Tr0ub4dor");
        assertThat(decrypted.plaintext()).isEqualTo("Tr0ub4dor&3-correct-horse");
        assertThat(decrypted.symmetricAlgorithm()).isEqualTo(SymmetricKeyAlgorithmTags.AES_256);
        assertThat(decrypted.integrityVerified()).isTrue();
    }
}
