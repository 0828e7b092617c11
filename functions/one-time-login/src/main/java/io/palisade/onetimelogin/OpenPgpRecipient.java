package io.palisade.onetimelogin;

import io.palisade.common.errors.InvalidPublicKeyException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;

/**
 * The OpenPGP key a one-time password is encrypted to: parsed from an ASCII-armored public key
 * (certificate), reduced to the one (sub)key that may encrypt. Messages are AES-256 with an
 * integrity packet (SEIPD), ASCII-armored, so {@code gpg --decrypt} reads them.
 */
final class OpenPgpRecipient {
    private static final String BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
    private static final int ENCRYPTION_FLAGS = KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE;

    private final PGPPublicKey key;

    private OpenPgpRecipient(PGPPublicKey key) {
        this.key = key;
    }

    /**
     * Parses {@code armored}: exactly one OpenPGP certificate with a valid (not revoked, not expired)
     * encryption-capable key; a subkey flagged for encryption is preferred, as OpenPGP tools do.
     *
     * @throws InvalidPublicKeyException naming what is wrong with the key
     */
    static OpenPgpRecipient parse(String armored) {
        if (armored == null || armored.isBlank()) {
            throw new InvalidPublicKeyException("The one-time-login public key is empty: "
                    + "give the user's ASCII-armored OpenPGP public key (gpg --armor --export <id>)");
        }
        if (armored.split(Pattern.quote(BEGIN), -1).length > 2) {
            throw new InvalidPublicKeyException("The one-time-login public key holds more than one armored block; "
                    + "give exactly the one key of the user who signs in");
        }
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        try (InputStream in = PGPUtil.getDecoderStream(
                new ByteArrayInputStream(armored.strip().getBytes(StandardCharsets.UTF_8)))) {
            new PGPPublicKeyRingCollection(in, new BcKeyFingerprintCalculator()).forEach(rings::add);
        } catch (IOException | PGPException | RuntimeException e) {
            throw new InvalidPublicKeyException("The one-time-login public key is not a readable OpenPGP public key "
                    + "(expected the output of gpg --armor --export <id>): " + e.getMessage(), e);
        }
        if (rings.isEmpty()) {
            throw new InvalidPublicKeyException("The one-time-login public key block contains no OpenPGP key");
        }
        if (rings.size() > 1) {
            throw new InvalidPublicKeyException("The one-time-login public key block contains " + rings.size()
                    + " OpenPGP keys; give exactly the one key of the user who signs in");
        }
        PGPPublicKeyRing ring = rings.get(0);
        PGPPublicKey primary = ring.getPublicKey();
        if (primary.hasRevocation()) {
            throw new InvalidPublicKeyException("The one-time-login OpenPGP key " + fingerprint(primary)
                    + " is revoked");
        }
        if (expired(primary)) {
            throw new InvalidPublicKeyException("The one-time-login OpenPGP key " + fingerprint(primary)
                    + " has expired");
        }
        PGPPublicKey best = null;
        for (Iterator<PGPPublicKey> keys = ring.getPublicKeys(); keys.hasNext(); ) {
            PGPPublicKey candidate = keys.next();
            if (!usable(candidate, primary.getKeyID())) {
                continue;
            }
            if (best == null || (best.isMasterKey() && !candidate.isMasterKey())) {
                best = candidate;
            }
        }
        if (best == null) {
            throw new InvalidPublicKeyException("The one-time-login OpenPGP key " + fingerprint(primary)
                    + " has no valid encryption key (no subkey may encrypt, or all are revoked or expired)");
        }
        return new OpenPgpRecipient(best);
    }

    /** The fingerprint (upper-case hex) of the (sub)key messages are encrypted to. */
    String fingerprint() {
        return fingerprint(key);
    }

    /** {@code plaintext} as an ASCII-armored OpenPGP message only this key's owner can read. */
    String encrypt(byte[] plaintext, SecureRandom random) {
        PGPEncryptedDataGenerator encryption = new PGPEncryptedDataGenerator(
                new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256)
                        .setWithIntegrityPacket(true)
                        .setSecureRandom(random));
        encryption.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(key).setSecureRandom(random));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            try (ArmoredOutputStream armor = ArmoredOutputStream.builder().clearHeaders().build(out);
                 OutputStream encrypted = encryption.open(armor, new byte[1 << 12]);
                 OutputStream literal = new PGPLiteralDataGenerator().open(encrypted, PGPLiteralData.UTF8,
                         "", plaintext.length, new Date())) {
                literal.write(plaintext);
            }
        } catch (IOException | PGPException e) {
            throw new IllegalStateException("OpenPGP encryption to key " + fingerprint() + " failed: "
                    + e.getMessage(), e);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    private static boolean usable(PGPPublicKey k, long primaryKeyId) {
        if (!k.isEncryptionKey() || k.hasRevocation() || expired(k)) {
            return false;
        }
        int flags = selfSignedKeyFlags(k, primaryKeyId);
        // a key without key flags may encrypt if its algorithm can; one with flags must say so
        return flags == 0 || (flags & ENCRYPTION_FLAGS) != 0;
    }

    /** The key flags of the owner's own signatures on {@code k} (binding, direct-key, user-id). */
    private static int selfSignedKeyFlags(PGPPublicKey k, long primaryKeyId) {
        int flags = 0;
        for (Iterator<PGPSignature> sigs = k.getSignatures(); sigs.hasNext(); ) {
            PGPSignature sig = sigs.next();
            if (sig.getKeyID() == primaryKeyId && sig.getHashedSubPackets() != null) {
                flags |= sig.getHashedSubPackets().getKeyFlags();
            }
        }
        return flags;
    }

    private static boolean expired(PGPPublicKey k) {
        long valid = k.getValidSeconds();
        return valid > 0 && k.getCreationTime().toInstant().plusSeconds(valid).isBefore(Instant.now());
    }

    private static String fingerprint(PGPPublicKey k) {
        return HexFormat.of().withUpperCase().formatHex(k.getFingerprint());
    }

    @Override
    public String toString() {
        return "OpenPgpRecipient[" + fingerprint() + "]";
    }
}
