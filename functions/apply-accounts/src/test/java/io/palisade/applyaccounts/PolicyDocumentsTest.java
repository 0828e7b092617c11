package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.policy.PolicyDocument;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyDocumentsTest {

    private static JsonNode tree(Object value) {
        return Json.MAPPER.valueToTree(value);
    }

    @Test
    void parse_whenUrlEncodedAsIamReturnsIt_decodesToTheDocument() {
        Map<String, Object> doc = PolicyDocuments.manageOwnCredentials("aws");
        String encoded = URLEncoder.encode(Json.write(doc), StandardCharsets.UTF_8).replace("+", "%20");

        JsonNode parsed = PolicyDocument.parse(encoded);

        assertThat(parsed).isEqualTo(tree(doc));
        assertThat(parsed.toString()).contains("${aws:username}");
    }

    @Test
    void parse_whenPlainJson_parsesAsIs() {
        assertThat(PolicyDocument.parse(" {\"Version\":\"2012-10-17\"} ").path("Version").asText())
                .isEqualTo("2012-10-17");
    }

    @Test
    void parse_whenBlank_returnsNull() {
        assertThat(PolicyDocument.parse(null)).isNull();
        assertThat(PolicyDocument.parse("")).isNull();
    }

    @Test
    void equivalent_whenKeysReorderedAndSingletonListsUnwrapped_isTrue() {
        JsonNode stored = PolicyDocument.parse("""
                {"Statement":[{"Resource":["arn:aws:iam::1:role/A"],"Action":["sts:AssumeRole"],
                  "Effect":"Allow","Sid":"AssumeConfiguredRoles"}],"Version":"2012-10-17"}""");

        assertThat(PolicyDocument.equivalent(stored, PolicyDocuments.assumeRoles(List.of("arn:aws:iam::1:role/A"))))
                .isTrue();
    }

    @Test
    void equivalent_whenListOrderDiffers_isTrue() {
        var a = PolicyDocuments.assumeRoles(List.of("arn:aws:iam::1:role/A", "arn:aws:iam::2:role/B"));
        var b = PolicyDocuments.assumeRoles(List.of("arn:aws:iam::2:role/B", "arn:aws:iam::1:role/A"));

        assertThat(PolicyDocument.equivalent(tree(a), b)).isTrue();
    }

    @Test
    void equivalent_whenAResourceDiffers_isFalse() {
        var a = PolicyDocuments.assumeRoles(List.of("arn:aws:iam::1:role/A", "arn:aws:iam::2:role/B"));
        var b = PolicyDocuments.assumeRoles(List.of("arn:aws:iam::1:role/A"));

        assertThat(PolicyDocument.equivalent(tree(a), b)).isFalse();
    }

    @Test
    void equivalent_whenOneSideMissing_isFalse() {
        assertThat(PolicyDocument.equivalent((JsonNode) null, PolicyDocuments.assumeRoles(List.of("x")))).isFalse();
    }

    @Test
    void roleTrust_whenBuilt_trustsOnlyTheIdentityRootWithMfa() {
        JsonNode trust = tree(PolicyDocuments.roleTrust("aws-us-gov", "111122223333"));

        JsonNode statement = trust.path("Statement").get(0);
        assertThat(trust.path("Statement")).hasSize(1);
        assertThat(statement.path("Principal").path("AWS").asText()).isEqualTo("arn:aws-us-gov:iam::111122223333:root");
        assertThat(statement.path("Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(statement.at("/Condition/Bool/aws:MultiFactorAuthPresent").asText()).isEqualTo("true");
        assertThat(statement.at("/Condition/NumericLessThan/aws:MultiFactorAuthAge").asText()).isEqualTo("43200");
        assertThat(PolicyDocuments.requiresMfa(trust)).isTrue();
    }

    @Test
    void requiresMfa_whenAnAllowStatementHasNoMfaCondition_isFalse() {
        JsonNode trust = PolicyDocument.parse("""
                {"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},
                 "Action":"sts:AssumeRole"}}""");

        assertThat(PolicyDocuments.requiresMfa(trust)).isFalse();
    }

    @Test
    void assumeRoles_whenBuilt_allowsOnlyAssumeRoleOnTheArns() {
        JsonNode doc = tree(PolicyDocuments.assumeRoles(List.of("arn:aws:iam::1:role/Administrator")));

        JsonNode statement = doc.path("Statement").get(0);
        assertThat(doc.path("Statement")).hasSize(1);
        assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
        assertThat(statement.path("Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(statement.path("Resource")).containsExactly(Json.MAPPER.getNodeFactory()
                .textNode("arn:aws:iam::1:role/Administrator"));
    }

    @Test
    void manageOwnCredentials_whenBuilt_hasTheDocumentedStatementsAndDeniesWithoutMfa() {
        JsonNode doc = tree(PolicyDocuments.manageOwnCredentials("aws-cn"));

        assertThat(doc.findValuesAsText("Sid")).containsExactly("AllowViewAccountInfo", "AllowManageOwnPasswords",
                "AllowManageOwnAccessKeys", "AllowManageOwnSigningCertificates", "AllowManageOwnSSHPublicKeys",
                "AllowManageOwnGitCredentials", "AllowManageOwnVirtualMFADevice", "AllowManageOwnUserMFA",
                "DenyAllExceptListedIfNoMFA");
        JsonNode deny = doc.path("Statement").get(8);
        assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
        assertThat(deny.at("/Condition/BoolIfExists/aws:MultiFactorAuthPresent").asText()).isEqualTo("false");
        assertThat(doc.path("Statement").get(1).path("Resource").asText())
                .isEqualTo("arn:aws-cn:iam::*:user/${aws:username}");
    }

    @Test
    void trailBucketPolicy_whenBuilt_letsOnlyTheAccountsPalisadeTrailsWriteUnderAWSLogsOverTls() {
        JsonNode doc = tree(PolicyDocuments.trailBucketPolicy("aws", "eu-west-1", "b",
                List.of("222222222222", "111111111111"), "palisade-trail"));

        JsonNode statements = doc.path("Statement");
        assertThat(statements).hasSize(3);
        JsonNode tls = statements.get(0);
        assertThat(tls.path("Sid").asText()).isEqualTo("DenyInsecureTransport");
        assertThat(tls.path("Effect").asText()).isEqualTo("Deny");
        assertThat(tls.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
        JsonNode acl = statements.get(1);
        assertThat(acl.path("Action").asText()).isEqualTo("s3:GetBucketAcl");
        assertThat(acl.path("Resource").asText()).isEqualTo("arn:aws:s3:::b");
        assertThat(acl.at("/Condition/StringEquals/aws:SourceAccount").toString())
                .isEqualTo("[\"111111111111\",\"222222222222\"]");
        assertThat(acl.at("/Condition/ArnLike/aws:SourceArn").asText())
                .isEqualTo("arn:aws:cloudtrail:eu-west-1:*:trail/palisade-trail");
        JsonNode write = statements.get(2);
        assertThat(write.path("Effect").asText()).isEqualTo("Allow");
        assertThat(write.path("Action").asText()).isEqualTo("s3:PutObject");
        assertThat(write.path("Principal").path("Service").asText()).isEqualTo("cloudtrail.amazonaws.com");
        assertThat(write.path("Resource").asText()).isEqualTo("arn:aws:s3:::b/AWSLogs/*");
        assertThat(write.at("/Condition/StringEquals/s3:x-amz-acl").asText()).isEqualTo("bucket-owner-full-control");
        assertThat(write.at("/Condition/StringEquals/aws:SourceAccount").toString())
                .isEqualTo("[\"111111111111\",\"222222222222\"]");
        assertThat(write.at("/Condition/ArnLike/aws:SourceArn").asText())
                .isEqualTo("arn:aws:cloudtrail:eu-west-1:*:trail/palisade-trail");
        // every Allow is CloudTrail's, and each is bound to the organization and Palisade's trail
        for (JsonNode s : statements) {
            if ("Allow".equals(s.path("Effect").asText())) {
                assertThat(s.at("/Principal/Service").asText()).isEqualTo("cloudtrail.amazonaws.com");
                assertThat(s.at("/Condition/StringEquals/aws:SourceAccount").isMissingNode()).isFalse();
                assertThat(s.at("/Condition/ArnLike/aws:SourceArn").isMissingNode()).isFalse();
            }
        }
    }

    @Test
    void trailKeyPolicy_whenTwoAccounts_letsCloudTrailEncryptOnlyForTheirTrailsAndTheIdentityAccountDecrypt() {
        JsonNode doc = tree(PolicyDocuments.trailKeyPolicy("aws-us-gov", "us-gov-west-1", "1", List.of("2", "1"),
                "palisade-trail"));

        assertThat(doc.findValuesAsText("Sid")).containsExactly("EnableIdentityAccountAdministration",
                "AllowCloudTrailToEncryptLogs", "AllowCloudTrailToDescribeKey", "AllowIdentityAccountToDecryptLogs");
        JsonNode admin = doc.at("/Statement/0");
        assertThat(admin.at("/Principal/AWS").asText()).isEqualTo("arn:aws-us-gov:iam::1:root");
        assertThat(admin.path("Action").asText()).isEqualTo("kms:*");
        JsonNode encrypt = doc.at("/Statement/1");
        assertThat(encrypt.at("/Principal/Service").asText()).isEqualTo("cloudtrail.amazonaws.com");
        assertThat(encrypt.path("Action").asText()).isEqualTo("kms:GenerateDataKey*");
        // the trail's owner is one of the accounts, and the trail is Palisade's: exactly their palisade-trail
        assertThat(encrypt.at("/Condition/StringEquals/aws:SourceAccount")).extracting(JsonNode::asText)
                .containsExactly("1", "2");
        assertThat(encrypt.at("/Condition/ArnLike/aws:SourceArn").asText())
                .isEqualTo("arn:aws-us-gov:cloudtrail:us-gov-west-1:*:trail/palisade-trail");
        assertThat(encrypt.at("/Condition/StringLike/kms:EncryptionContext:aws:cloudtrail:arn").asText())
                .isEqualTo("arn:aws-us-gov:cloudtrail:*:*:trail/palisade-trail");
        assertThat(doc.at("/Statement/2/Action").asText()).isEqualTo("kms:DescribeKey");
        JsonNode decrypt = doc.at("/Statement/3");
        assertThat(decrypt.path("Action")).extracting(JsonNode::asText)
                .containsExactly("kms:Decrypt", "kms:ReEncryptFrom");
        assertThat(decrypt.at("/Condition/StringEquals/kms:CallerAccount").asText()).isEqualTo("1");
        assertThat(decrypt.at("/Condition/ForAnyValue:StringEquals/kms:EncryptionContextKeys").asText())
                .isEqualTo("aws:cloudtrail:arn");
        assertThat(decrypt.at("/Condition/StringLike/kms:EncryptionContext:aws:cloudtrail:arn").asText())
                .isEqualTo("arn:aws-us-gov:cloudtrail:*:*:trail/palisade-trail");
    }

    @Test
    void assumeRoles_whenARoleIsGrantedInManyAccounts_namesItOnceAndListsTheAccounts() {
        List<String> arns = new java.util.ArrayList<>();
        for (int i = 10; i < 20; i++) {
            arns.add("arn:aws:iam::1111111111" + i + ":role/Administrator");
            arns.add("arn:aws:iam::1111111111" + i + ":role/Developer");
        }
        arns.add("arn:aws:iam::999999999999:role/Billing");

        JsonNode doc = tree(PolicyDocuments.assumeRoles(arns));

        JsonNode statements = doc.path("Statement");
        assertThat(statements).hasSize(2);
        assertThat(statements.get(0).path("Resource")).extracting(JsonNode::asText)
                .containsExactly("arn:aws:iam::999999999999:role/Billing");
        JsonNode many = statements.get(1);
        assertThat(many.path("Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(many.path("Resource")).extracting(JsonNode::asText)
                .containsExactly("arn:aws:iam::*:role/Administrator", "arn:aws:iam::*:role/Developer");
        assertThat(many.at("/Condition/StringEquals/aws:ResourceAccount")).hasSize(10);
        assertThat(many.at("/Condition/StringEquals/aws:ResourceAccount/0").asText()).isEqualTo("111111111110");
    }

    @Test
    void assumeRoles_whenRolesAreGrantedInDifferentAccounts_neverAllowsAPairThatWasNotGranted() {
        List<String> arns = new java.util.ArrayList<>();
        for (int i = 10; i < 20; i++) {
            arns.add("arn:aws:iam::1111111111" + i + ":role/Administrator");
            arns.add("arn:aws:iam::2222222222" + i + ":role/Developer");
        }

        JsonNode statements = tree(PolicyDocuments.assumeRoles(arns)).path("Statement");

        // one statement per account set: Administrator only with the 11..., Developer only with the 22...
        assertThat(statements).hasSize(2);
        for (JsonNode s : statements) {
            assertThat(s.path("Resource")).hasSize(1);
            String role = s.path("Resource").get(0).asText();
            String prefix = role.endsWith("/Administrator") ? "1111" : "2222";
            assertThat(s.at("/Condition/StringEquals/aws:ResourceAccount")).extracting(JsonNode::asText)
                    .allMatch(id -> id.startsWith(prefix)).hasSize(10);
        }
    }

    @Test
    void accessLogBucketPolicy_whenBuilt_letsS3LoggingWriteOnlyTheSourceBucketsLogsUnderThePrefix() {
        JsonNode doc = tree(PolicyDocuments.accessLogBucketPolicy("aws", "logs", ApplyAccounts.logSources("trail",
                "state"), "1"));

        assertThat(doc.findValuesAsText("Sid")).containsExactly("S3ServerAccessLogs", "S3ServerAccessLogsStateBucket",
                "DenyInsecureTransport");
        JsonNode write = doc.at("/Statement/0");
        assertThat(write.at("/Principal/Service").asText()).isEqualTo("logging.s3.amazonaws.com");
        assertThat(write.path("Action").asText()).isEqualTo("s3:PutObject");
        assertThat(write.path("Resource").asText()).isEqualTo("arn:aws:s3:::logs/trail-bucket/*");
        assertThat(write.at("/Condition/ArnLike/aws:SourceArn").asText()).isEqualTo("arn:aws:s3:::trail");
        assertThat(write.at("/Condition/StringEquals/aws:SourceAccount").asText()).isEqualTo("1");
        // the state bucket's logs: only under their own prefix, only from that bucket
        JsonNode state = doc.at("/Statement/1");
        assertThat(state.path("Resource").asText()).isEqualTo("arn:aws:s3:::logs/state-bucket/*");
        assertThat(state.at("/Condition/ArnLike/aws:SourceArn").asText()).isEqualTo("arn:aws:s3:::state");
        assertThat(state.at("/Condition/StringEquals/aws:SourceAccount").asText()).isEqualTo("1");
    }
}
