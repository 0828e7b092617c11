package io.palisade.common.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyDocumentTest {
    private static final Map<String, Object> WRITTEN = Map.of("Version", "2012-10-17", "Statement", List.of(
            Map.of("Sid", "A", "Effect", "Allow", "Action", List.of("s3:GetObject", "s3:PutObject"),
                    "Resource", List.of("arn:aws:s3:::b/*")),
            Map.of("Sid", "B", "Effect", "Deny", "Action", "s3:*", "Resource", "*",
                    "Condition", Map.of("Bool", Map.of("aws:SecureTransport", false)))));

    @Test
    void equivalent_whenStatementsActionsAndKeysReordered_true() {
        String read = """
                {"Statement": [
                  {"Resource": "*", "Action": ["s3:*"], "Effect": "Deny", "Sid": "B",
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                  {"Effect": "Allow", "Sid": "A", "Resource": "arn:aws:s3:::b/*",
                   "Action": ["s3:PutObject", "s3:GetObject"]}],
                 "Version": "2012-10-17"}""";
        assertThat(PolicyDocument.equivalent(read, WRITTEN)).isTrue();
    }

    @Test
    void equivalent_whenUrlEncodedAsIamReturnsIt_true() {
        String encoded = URLEncoder.encode(io.palisade.common.Json.write(WRITTEN), StandardCharsets.UTF_8);
        assertThat(encoded).doesNotStartWith("{");
        assertThat(PolicyDocument.equivalent(encoded, WRITTEN)).isTrue();
    }

    @Test
    void equivalent_whenSingleStatementNotAList_true() {
        String read = """
                {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"AWS": ["arn:aws:iam::1:root"]}}}""";
        Map<String, Object> written = Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Effect", "Allow", "Action", "sts:AssumeRole", "Principal", Map.of("AWS", "arn:aws:iam::1:root"))));
        assertThat(PolicyDocument.equivalent(read, written)).isTrue();
    }

    @Test
    void equivalent_whenObjectsInAListHaveTheirKeysInAnotherOrder_true() {
        // sorting list items by their text must not depend on the order their keys were read in
        String a = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"1\",\"Effect\":\"Allow\"},"
                + "{\"Sid\":\"2\",\"Effect\":\"Deny\"}]}";
        String b = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Sid\":\"2\"},"
                + "{\"Effect\":\"Allow\",\"Sid\":\"1\"}]}";
        assertThat(PolicyDocument.equivalent(PolicyDocument.parse(a), PolicyDocument.parse(b))).isTrue();
    }

    @Test
    void equivalent_whenVersionMissing_theDefaultNotTheCurrent() {
        String noVersion = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
        Map<String, Object> statement = Map.of("Effect", "Allow", "Action", "s3:*", "Resource", "*");
        assertThat(PolicyDocument.equivalent(noVersion,
                Map.of("Version", "2008-10-17", "Statement", List.of(statement)))).isTrue();
        assertThat(PolicyDocument.equivalent(noVersion,
                Map.of("Version", "2012-10-17", "Statement", List.of(statement)))).isFalse();
    }

    @Test
    void equivalent_whenAGrantDiffers_false() {
        JsonNode opened = PolicyDocument.parse("""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
                 "Principal":{"AWS":"*"}}]}""");
        Map<String, Object> written = Map.of("Version", "2012-10-17", "Statement", List.of(Map.of(
                "Effect", "Allow", "Action", "sts:AssumeRole", "Principal", Map.of("AWS", "arn:aws:iam::1:root"))));
        assertThat(PolicyDocument.equivalent(opened, written)).isFalse();
        assertThat(PolicyDocument.equivalent(opened, (Object) null)).isFalse();
        assertThat(PolicyDocument.equivalent((JsonNode) null, (JsonNode) null)).isTrue();
    }

    @Test
    void parse_whenAbsentOrUnreadable_nullOrFails() {
        assertThat(PolicyDocument.parse(null)).isNull();
        assertThat(PolicyDocument.parse("  ")).isNull();
        assertThatThrownBy(() -> PolicyDocument.parse("{not json")).isInstanceOf(IllegalStateException.class);
    }
}
