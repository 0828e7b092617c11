package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Json;
import io.palisade.common.errors.PolicyTooLargeException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyLimitsTest {

    @Test
    void size_whenIam_doesNotCountWhiteSpaceOutsideStrings() {
        String pretty = "{\n  \"Sid\" : \"A B\",\n\t\"Effect\": \"Allow\"\n}";

        // {"Sid":"A B","Effect":"Allow"} is 30 characters; the space inside "A B" counts
        assertThat(PolicyLimits.size(PolicyLimits.Kind.IAM_USER_INLINE, pretty)).isEqualTo(30);
    }

    @Test
    void size_whenIamAndEscapedQuoteInAString_staysInTheString() {
        String json = "{\"a\":\"x\\\" y\", \"b\" : 1}";

        assertThat(PolicyLimits.size(PolicyLimits.Kind.IAM_GROUP_INLINE, json)).isEqualTo("{\"a\":\"x\\\" y\",\"b\":1}".length());
    }

    @Test
    void size_whenResourcePolicy_countsTheCompactDocumentAsSentInBytes() {
        Map<String, Object> doc = Map.of("Version", "2012-10-17", "Statement", List.of(Map.of("Sid", "é")));

        assertThat(PolicyLimits.size(PolicyLimits.Kind.S3_BUCKET, doc))
                .isEqualTo(Json.write(doc).getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isEqualTo(Json.write(doc).length() + 1);
    }

    @Test
    void size_whenMapOrTreeOrText_isTheSame() {
        Map<String, Object> doc = Map.of("Version", "2012-10-17");

        assertThat(PolicyLimits.size(PolicyLimits.Kind.KMS_KEY, doc))
                .isEqualTo(PolicyLimits.size(PolicyLimits.Kind.KMS_KEY, Json.MAPPER.valueToTree(doc)))
                .isEqualTo(PolicyLimits.size(PolicyLimits.Kind.KMS_KEY, Json.write(doc)));
    }

    @Test
    void require_whenOverTheLimit_failsNamingTheDocumentTheSizeAndTheLimit() {
        String big = "\"" + "x".repeat(2_047) + "\"";

        assertThatThrownBy(() -> PolicyLimits.require(PolicyLimits.Kind.IAM_USER_INLINE, "user palisade-temp-admin", big))
                .isInstanceOf(PolicyTooLargeException.class)
                .hasMessageContaining("user palisade-temp-admin")
                .hasMessageContaining("2049 characters")
                .hasMessageContaining("limit of 2048");
    }

    @Test
    void require_whenAtTheLimit_returnsTheSize() {
        String exact = "\"" + "x".repeat(2_046) + "\"";

        assertThat(PolicyLimits.require(PolicyLimits.Kind.IAM_USER_INLINE, "u", exact)).isEqualTo(2_048);
    }

    @Test
    void requireAggregate_whenTheSumIsOver_fails() {
        String half = "\"" + "x".repeat(2_600) + "\"";

        assertThat(PolicyLimits.size(PolicyLimits.Kind.IAM_GROUP_INLINE, half)).isLessThan(5_120);
        assertThatThrownBy(() -> PolicyLimits.requireAggregate(PolicyLimits.Kind.IAM_GROUP_INLINE, "group G",
                List.of(half, half)))
                .isInstanceOf(PolicyTooLargeException.class)
                .hasMessageContaining("aggregate");
    }

    @Test
    void limits_areAwsDocumentedValues() {
        assertThat(PolicyLimits.Kind.S3_BUCKET.limit()).isEqualTo(20 * 1024);
        assertThat(PolicyLimits.Kind.KMS_KEY.limit()).isEqualTo(32 * 1024);
        assertThat(PolicyLimits.Kind.SNS_TOPIC.limit()).isEqualTo(30 * 1024);
        assertThat(PolicyLimits.Kind.SECRETS_MANAGER.limit()).isEqualTo(20_480);
        assertThat(PolicyLimits.Kind.IAM_USER_INLINE.limit()).isEqualTo(2_048);
        assertThat(PolicyLimits.Kind.IAM_GROUP_INLINE.limit()).isEqualTo(5_120);
        assertThat(PolicyLimits.Kind.IAM_ROLE_INLINE.limit()).isEqualTo(10_240);
        assertThat(PolicyLimits.Kind.IAM_MANAGED.limit()).isEqualTo(6_144);
        assertThat(PolicyLimits.Kind.IAM_ROLE_TRUST.limit()).isEqualTo(2_048);
    }
}
