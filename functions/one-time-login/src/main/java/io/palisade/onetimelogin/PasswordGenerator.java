package io.palisade.onetimelogin;

import io.palisade.common.config.OrgConfig;
import java.security.SecureRandom;

/**
 * Random console passwords that satisfy an IAM account password policy. The password is a
 * {@code char[]} so the caller can wipe it once used; it is never a field, never logged.
 */
final class PasswordGenerator {
    /** Never shorter than this, whatever the policy's minimum. */
    static final int MIN_LENGTH = 20;
    /** IAM's limit for a console password. */
    static final int MAX_LENGTH = 128;
    static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    static final String DIGITS = "0123456789";
    /** The non-alphanumeric characters IAM password policies count as symbols. */
    static final String SYMBOLS = "!@#$%^&*()_+-=[]{}|'";
    private static final String ALL = UPPER + LOWER + DIGITS + SYMBOLS;

    private final SecureRandom random;

    PasswordGenerator(SecureRandom random) {
        this.random = random;
    }

    /**
     * A password of {@code max(policy minimum, 20)} characters drawn from all four classes, with at
     * least one character of each class the policy requires, in random order.
     */
    char[] generate(OrgConfig.PasswordPolicy policy) {
        int minimum = policy == null || policy.minimumLength() == null ? 0 : policy.minimumLength();
        int length = Math.min(MAX_LENGTH, Math.max(minimum, MIN_LENGTH));
        char[] password = new char[length];
        int i = 0;
        if (policy == null || !Boolean.FALSE.equals(policy.requireUppercase())) {
            password[i++] = pick(UPPER);
        }
        if (policy == null || !Boolean.FALSE.equals(policy.requireLowercase())) {
            password[i++] = pick(LOWER);
        }
        if (policy == null || !Boolean.FALSE.equals(policy.requireNumbers())) {
            password[i++] = pick(DIGITS);
        }
        if (policy == null || !Boolean.FALSE.equals(policy.requireSymbols())) {
            password[i++] = pick(SYMBOLS);
        }
        while (i < length) {
            password[i++] = pick(ALL);
        }
        // Fisher-Yates, so the required characters are not always in front
        for (int j = length - 1; j > 0; j--) {
            int k = random.nextInt(j + 1);
            char c = password[j];
            password[j] = password[k];
            password[k] = c;
        }
        return password;
    }

    private char pick(String alphabet) {
        return alphabet.charAt(random.nextInt(alphabet.length()));
    }
}
