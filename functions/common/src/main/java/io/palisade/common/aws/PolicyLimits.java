package io.palisade.common.aws;

import io.palisade.common.Json;
import io.palisade.common.errors.PolicyTooLargeException;
import java.nio.charset.StandardCharsets;

/**
 * The size AWS accepts for each kind of policy document Palisade writes, and that size measured
 * the way AWS measures it, so a document that would be refused is caught before it is sent.
 *
 * <p>How AWS counts:
 * <ul>
 *   <li>IAM (inline, managed and trust policies): characters, "IAM does not count white space
 *       when calculating the size of a policy" (IAM User Guide, "IAM and AWS STS quotas"). Inline
 *       limits are aggregate: the sum of every inline policy of the user, group or role.</li>
 *   <li>S3 bucket policies ("limited to 20 KB"), KMS key policies (32,768 bytes), SNS topic
 *       policies (30 KB) and Secrets Manager resource policies (20,480 characters): the document as
 *       sent. Palisade sends {@link Json#write} (compact, no white space), so that is what is
 *       counted here, as UTF-8 bytes (never fewer than its characters).</li>
 * </ul>
 * For IAM the compact JSON's characters are counted, white space inside string values included:
 * at most a few characters more than IAM counts, never fewer.
 */
public final class PolicyLimits {

    /** A kind of policy document and its limit. */
    public enum Kind {
        IAM_USER_INLINE("IAM user inline policies (aggregate)", 2_048, true),
        IAM_GROUP_INLINE("IAM group inline policies (aggregate)", 5_120, true),
        IAM_ROLE_INLINE("IAM role inline policies (aggregate)", 10_240, true),
        IAM_MANAGED("IAM managed policy", 6_144, true),
        /** The default quota; it can be raised, but Palisade does not assume it was. */
        IAM_ROLE_TRUST("IAM role trust policy", 2_048, true),
        S3_BUCKET("S3 bucket policy", 20_480, false),
        KMS_KEY("KMS key policy", 32_768, false),
        SNS_TOPIC("SNS topic policy", 30_720, false),
        SECRETS_MANAGER("Secrets Manager resource policy", 20_480, false),
        /**
         * Organizations: 5,120 characters each (User Guide, "Quotas and service limits"), counted
         * as sent: "If you save the policy using an SDK operation or the AWS CLI, then the policy is
         * saved exactly as you provided" (no white space removed). Palisade sends it compact.
         */
        SERVICE_CONTROL_POLICY("service control policy", 5_120, false),
        RESOURCE_CONTROL_POLICY("resource control policy", 5_120, false);

        private final String label;
        private final int limit;
        private final boolean iam;

        Kind(String label, int limit, boolean iam) {
            this.label = label;
            this.limit = limit;
            this.iam = iam;
        }

        public int limit() {
            return limit;
        }

        public String label() {
            return label;
        }

        /**
         * "characters" for IAM (white space not counted) and Organizations, "bytes" for the others.
         * Organizations' documents are measured as UTF-8 bytes too: never fewer than their characters.
         */
        public String unit() {
            return iam || this == SERVICE_CONTROL_POLICY || this == RESOURCE_CONTROL_POLICY ? "characters" : "bytes";
        }
    }

    private PolicyLimits() {}

    /**
     * The size of a document (a map, a JSON tree, or JSON text) as AWS counts it for this kind.
     * JSON text is measured as given (less white space outside strings for IAM).
     */
    public static int size(Kind kind, Object document) {
        String json = document instanceof String s ? s : Json.write(document);
        if (kind.iam) {
            return nonWhitespaceOutsideStrings(json);
        }
        return json.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The sum of the documents' sizes: what an aggregate limit (IAM inline policies) is checked against. */
    public static int aggregate(Kind kind, Iterable<?> documents) {
        int total = 0;
        for (Object document : documents) {
            total += size(kind, document);
        }
        return total;
    }

    /**
     * Fails with {@link PolicyTooLargeException} if the document is over its limit.
     *
     * @param what the document, as a reader of the error would find it (e.g. "group ProdAdmins")
     * @return the size
     */
    public static int require(Kind kind, String what, Object document) {
        return requireSize(kind, what, size(kind, document));
    }

    /** The same for the documents that share an aggregate limit. */
    public static int requireAggregate(Kind kind, String what, Iterable<?> documents) {
        return requireSize(kind, what, aggregate(kind, documents));
    }

    private static int requireSize(Kind kind, String what, int size) {
        if (size > kind.limit) {
            throw new PolicyTooLargeException(what + ": the " + kind.label + " would be " + size + " "
                    + kind.unit() + ", over AWS's limit of " + kind.limit);
        }
        return size;
    }

    private static int nonWhitespaceOutsideStrings(String json) {
        int count = 0;
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                count++;
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (!Character.isWhitespace(c)) {
                count++;
                if (c == '"') {
                    inString = true;
                }
            }
        }
        return count;
    }
}
