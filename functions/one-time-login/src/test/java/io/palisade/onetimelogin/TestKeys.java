package io.palisade.onetimelogin;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Date;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.PGPDigestCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyDataDecryptorFactory;

/** A user's OpenPGP key pair made in the test, and the decryption the user would do. */
final class TestKeys {
    private final PGPSecretKeyRing secret;
    private final String armoredPublicKey;

    private TestKeys(PGPSecretKeyRing secret, String armoredPublicKey) {
        this.secret = secret;
        this.armoredPublicKey = armoredPublicKey;
    }

    /** RSA primary key (sign, certify) with an RSA encryption subkey, as gpg makes by default. */
    static TestKeys withEncryptionSubkey() {
        return generate(true);
    }

    /** Only a primary key flagged sign/certify: nothing may encrypt to it. */
    static TestKeys signOnly() {
        return generate(false);
    }

    String armoredPublicKey() {
        return armoredPublicKey;
    }

    /** The message decrypted with the secret key; also checks AES-256 and the integrity packet. */
    Decrypted decrypt(String armoredMessage) {
        try (InputStream in = PGPUtil.getDecoderStream(
                new ByteArrayInputStream(armoredMessage.getBytes(StandardCharsets.US_ASCII)))) {
            BcPGPObjectFactory factory = new BcPGPObjectFactory(in);
            Object first = factory.nextObject();
            PGPEncryptedDataList list = first instanceof PGPEncryptedDataList l
                    ? l : (PGPEncryptedDataList) factory.nextObject();
            PGPPublicKeyEncryptedData data = (PGPPublicKeyEncryptedData) list.get(0);
            var privateKey = secret.getSecretKey(data.getKeyID()).extractPrivateKey(null);
            var decryptor = new BcPublicKeyDataDecryptorFactory(privateKey);
            int algorithm = data.getSymmetricAlgorithm(decryptor);
            InputStream clear = data.getDataStream(decryptor);
            PGPLiteralData literal = (PGPLiteralData) new BcPGPObjectFactory(clear).nextObject();
            byte[] plaintext = literal.getInputStream().readAllBytes();
            return new Decrypted(new String(plaintext, StandardCharsets.UTF_8), algorithm,
                    data.isIntegrityProtected() && data.verify());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    record Decrypted(String plaintext, int symmetricAlgorithm, boolean integrityVerified) {}

    private static TestKeys generate(boolean encryptionSubkey) {
        try {
            SecureRandom random = new SecureRandom();
            Date now = new Date();
            PGPKeyPair primary = new BcPGPKeyPair(PublicKeyAlgorithmTags.RSA_GENERAL, rsa(random), now);
            PGPDigestCalculator sha1 = new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1);
            PGPSignatureSubpacketGenerator primaryFlags = new PGPSignatureSubpacketGenerator();
            primaryFlags.setKeyFlags(false, KeyFlags.SIGN_DATA | KeyFlags.CERTIFY_OTHER);
            PGPKeyRingGenerator rings = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, primary,
                    "Palisade Test <test@example.com>", sha1, primaryFlags.generate(), null,
                    new BcPGPContentSignerBuilder(PublicKeyAlgorithmTags.RSA_GENERAL, HashAlgorithmTags.SHA256),
                    null);
            if (encryptionSubkey) {
                PGPSignatureSubpacketGenerator subFlags = new PGPSignatureSubpacketGenerator();
                subFlags.setKeyFlags(false, KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE);
                rings.addSubKey(new BcPGPKeyPair(PublicKeyAlgorithmTags.RSA_GENERAL, rsa(random), now),
                        subFlags.generate(), null);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ArmoredOutputStream armor = new ArmoredOutputStream(out)) {
                rings.generatePublicKeyRing().encode(armor);
            }
            return new TestKeys(rings.generateSecretKeyRing(), out.toString(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    private static org.bouncycastle.crypto.AsymmetricCipherKeyPair rsa(SecureRandom random) {
        RSAKeyPairGenerator generator = new RSAKeyPairGenerator();
        generator.init(new RSAKeyGenerationParameters(BigInteger.valueOf(0x10001), random, 2048, 12));
        return generator.generateKeyPair();
    }
}
