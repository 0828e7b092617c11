package io.palisade.applyaccounts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palisade.common.Json;
import io.palisade.common.aws.BucketBaseline;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IAM and bucket policy documents an account's baseline consists of, and how to tell
 * whether a document read back from AWS already says the same thing.
 */
final class PolicyDocuments {
    static final String VERSION = "2012-10-17";
    /** Longest MFA age (seconds) a role session may start from: 12 hours. */
    static final int MFA_MAX_AGE_SECONDS = 43200;

    private PolicyDocuments() {}

    /**
     * A policy document as IAM returns it: URL-encoded (RFC 3986) in the API, plain JSON in
     * some emulators. Parsed, so it can be compared with {@link #equivalent}.
     */
    static JsonNode parse(String document) {
        if (document == null || document.isBlank()) {
            return null;
        }
        String trimmed = document.strip();
        String json = trimmed.startsWith("{") ? trimmed : URLDecoder.decode(trimmed, StandardCharsets.UTF_8);
        return Json.read(json, JsonNode.class);
    }

    /**
     * Whether two policy documents grant the same: object keys in any order, a one-element
     * list the same as its element, and lists (statements, actions, resources) in any order.
     */
    static boolean equivalent(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        return normalize(a).equals(normalize(b));
    }

    static boolean equivalent(JsonNode a, Object b) {
        return equivalent(a, b == null ? null : (JsonNode) Json.MAPPER.valueToTree(b));
    }

    private static JsonNode normalize(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), normalize(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(item -> items.add(normalize(item)));
            if (items.size() == 1) {
                return items.get(0);
            }
            items.sort(Comparator.comparing(Json::write));
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            items.forEach(out::add);
            return out;
        }
        if (node.isNumber() || node.isBoolean()) {
            // IAM condition values are strings; "true" and true mean the same to it
            return JsonNodeFactory.instance.textNode(node.asText());
        }
        return node;
    }

    /** A role only the identity account may assume, and only with MFA (the seed trusted the root without it). */
    static Map<String, Object> roleTrust(String partition, String identityAccountId) {
        return ordered("Version", VERSION,
                "Statement", List.of(ordered(
                        "Sid", "AssumeFromIdentityAccountWithMfa",
                        "Effect", "Allow",
                        "Principal", Map.of("AWS", "arn:" + partition + ":iam::" + identityAccountId + ":root"),
                        "Action", "sts:AssumeRole",
                        "Condition", Map.of(
                                "Bool", Map.of("aws:MultiFactorAuthPresent", "true"),
                                "NumericLessThan", Map.of("aws:MultiFactorAuthAge",
                                        String.valueOf(MFA_MAX_AGE_SECONDS))))));
    }

    /** Whether a trust policy requires MFA on every statement that allows assuming the role. */
    static boolean requiresMfa(JsonNode trust) {
        if (trust == null || !trust.has("Statement")) {
            return false;
        }
        List<JsonNode> statements = new ArrayList<>();
        JsonNode s = trust.get("Statement");
        if (s.isArray()) {
            s.forEach(statements::add);
        } else {
            statements.add(s);
        }
        return statements.stream()
                .filter(st -> "Allow".equals(st.path("Effect").asText()))
                .allMatch(st -> "true".equals(st.path("Condition").path("Bool").path("aws:MultiFactorAuthPresent")
                        .asText()));
    }

    /** A group's only grant: {@code sts:AssumeRole} on exactly these role ARNs. */
    static Map<String, Object> assumeRoles(List<String> roleArns) {
        return ordered("Version", VERSION,
                "Statement", List.of(ordered(
                        "Sid", "AssumeConfiguredRoles",
                        "Effect", "Allow",
                        "Action", "sts:AssumeRole",
                        "Resource", List.copyOf(roleArns))));
    }

    /**
     * Every user's self-service policy: the IAM User Guide's "Allows MFA-authenticated IAM users
     * to manage their own credentials on the Security credentials page", partition-safe.
     * As that page suggests for users whose password must be reset at first sign-in (what the
     * one-time-login phase creates), {@code iam:ChangePassword} and
     * {@code iam:GetAccountPasswordPolicy} are also allowed before MFA is set up.
     */
    static Map<String, Object> manageOwnCredentials(String partition) {
        String self = "arn:" + partition + ":iam::*:user/${aws:username}";
        return ordered("Version", VERSION,
                "Statement", List.of(
                        ordered("Sid", "AllowViewAccountInfo", "Effect", "Allow",
                                "Action", List.of("iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"),
                                "Resource", "*"),
                        ordered("Sid", "AllowManageOwnPasswords", "Effect", "Allow",
                                "Action", List.of("iam:ChangePassword", "iam:GetUser"),
                                "Resource", self),
                        ordered("Sid", "AllowManageOwnAccessKeys", "Effect", "Allow",
                                "Action", List.of("iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys",
                                        "iam:UpdateAccessKey", "iam:GetAccessKeyLastUsed"),
                                "Resource", self),
                        ordered("Sid", "AllowManageOwnSigningCertificates", "Effect", "Allow",
                                "Action", List.of("iam:DeleteSigningCertificate", "iam:ListSigningCertificates",
                                        "iam:UpdateSigningCertificate", "iam:UploadSigningCertificate"),
                                "Resource", self),
                        ordered("Sid", "AllowManageOwnSSHPublicKeys", "Effect", "Allow",
                                "Action", List.of("iam:DeleteSSHPublicKey", "iam:GetSSHPublicKey",
                                        "iam:ListSSHPublicKeys", "iam:UpdateSSHPublicKey", "iam:UploadSSHPublicKey"),
                                "Resource", self),
                        ordered("Sid", "AllowManageOwnGitCredentials", "Effect", "Allow",
                                "Action", List.of("iam:CreateServiceSpecificCredential",
                                        "iam:DeleteServiceSpecificCredential", "iam:ListServiceSpecificCredentials",
                                        "iam:ResetServiceSpecificCredential", "iam:UpdateServiceSpecificCredential"),
                                "Resource", self),
                        ordered("Sid", "AllowManageOwnVirtualMFADevice", "Effect", "Allow",
                                "Action", List.of("iam:CreateVirtualMFADevice"),
                                "Resource", "arn:" + partition + ":iam::*:mfa/*"),
                        ordered("Sid", "AllowManageOwnUserMFA", "Effect", "Allow",
                                "Action", List.of("iam:DeactivateMFADevice", "iam:EnableMFADevice",
                                        "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"),
                                "Resource", self),
                        ordered("Sid", "DenyAllExceptListedIfNoMFA", "Effect", "Deny",
                                "NotAction", List.of("iam:CreateVirtualMFADevice", "iam:EnableMFADevice",
                                        "iam:GetUser", "iam:GetMFADevice", "iam:ListMFADevices",
                                        "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken",
                                        "iam:ChangePassword", "iam:GetAccountPasswordPolicy"),
                                "Resource", "*",
                                "Condition", Map.of("BoolIfExists", Map.of("aws:MultiFactorAuthPresent", "false")))));
    }

    /**
     * The central trail bucket's policy: TLS only, and CloudTrail may check the ACL and write
     * logs for each account's {@code palisade-trail} only, each under its own
     * {@code AWSLogs/<accountId>/} prefix ({@code aws:SourceArn} closes the confused deputy).
     */
    static Map<String, Object> trailBucketPolicy(String partition, String region, String bucket,
                                                 List<String> accountIds, String trailName) {
        String bucketArn = "arn:" + partition + ":s3:::" + bucket;
        List<Object> statements = new ArrayList<>();
        statements.add(BucketBaseline.denyInsecureTransport(bucketArn));
        for (String accountId : accountIds) {
            String trailArn = "arn:" + partition + ":cloudtrail:" + region + ":" + accountId + ":trail/" + trailName;
            statements.add(ordered("Sid", "CloudTrailAclCheck" + accountId, "Effect", "Allow",
                    "Principal", Map.of("Service", "cloudtrail.amazonaws.com"),
                    "Action", "s3:GetBucketAcl",
                    "Resource", bucketArn,
                    "Condition", Map.of("StringEquals", Map.of("aws:SourceArn", trailArn))));
            statements.add(ordered("Sid", "CloudTrailWrite" + accountId, "Effect", "Allow",
                    "Principal", Map.of("Service", "cloudtrail.amazonaws.com"),
                    "Action", "s3:PutObject",
                    "Resource", bucketArn + "/AWSLogs/" + accountId + "/*",
                    "Condition", Map.of("StringEquals", ordered(
                            "s3:x-amz-acl", "bucket-owner-full-control",
                            "aws:SourceArn", trailArn))));
        }
        return ordered("Version", VERSION, "Statement", statements);
    }

    /**
     * The trail key's policy (the CloudTrail User Guide's "Configure AWS KMS key policies for
     * CloudTrail", for an organization): the identity account administers it; CloudTrail may
     * encrypt only for each account's {@code palisade-trail} ({@code aws:SourceArn}) and describe
     * it; principals of the identity account, where the bucket is, may decrypt trail logs of
     * every account in the organization, and nothing else.
     */
    static Map<String, Object> trailKeyPolicy(String partition, String region, String identityAccountId,
                                              List<String> accountIds, String trailName) {
        List<String> trailPatterns = accountIds.stream()
                .map(id -> "arn:" + partition + ":cloudtrail:*:" + id + ":trail/*").toList();
        List<String> trailArns = accountIds.stream()
                .map(id -> "arn:" + partition + ":cloudtrail:" + region + ":" + id + ":trail/" + trailName).toList();
        return ordered("Version", VERSION, "Statement", List.of(
                ordered("Sid", "EnableIdentityAccountAdministration", "Effect", "Allow",
                        "Principal", Map.of("AWS", "arn:" + partition + ":iam::" + identityAccountId + ":root"),
                        "Action", "kms:*",
                        "Resource", "*"),
                ordered("Sid", "AllowCloudTrailToEncryptLogs", "Effect", "Allow",
                        "Principal", Map.of("Service", "cloudtrail.amazonaws.com"),
                        "Action", "kms:GenerateDataKey*",
                        "Resource", "*",
                        "Condition", ordered(
                                "StringLike", Map.of("kms:EncryptionContext:aws:cloudtrail:arn", trailPatterns),
                                "StringEquals", Map.of("aws:SourceArn", trailArns))),
                ordered("Sid", "AllowCloudTrailToDescribeKey", "Effect", "Allow",
                        "Principal", Map.of("Service", "cloudtrail.amazonaws.com"),
                        "Action", "kms:DescribeKey",
                        "Resource", "*"),
                ordered("Sid", "AllowIdentityAccountToDecryptLogs", "Effect", "Allow",
                        "Principal", Map.of("AWS", "*"),
                        "Action", List.of("kms:Decrypt", "kms:ReEncryptFrom"),
                        "Resource", "*",
                        "Condition", ordered(
                                "StringEquals", Map.of("kms:CallerAccount", identityAccountId),
                                "ForAnyValue:StringEquals", Map.of("kms:EncryptionContextKeys", "aws:cloudtrail:arn"),
                                "StringLike", Map.of("kms:EncryptionContext:aws:cloudtrail:arn", trailPatterns)))));
    }

    /**
     * The access-log bucket's policy: TLS only, and S3 server access logging may write the trail
     * bucket's logs under {@code <prefix>} only (the S3 User Guide's logging.s3.amazonaws.com grant).
     */
    static Map<String, Object> accessLogBucketPolicy(String partition, String logBucket, String sourceBucket,
                                                     String prefix, String accountId) {
        String logBucketArn = "arn:" + partition + ":s3:::" + logBucket;
        // the grant first and its Resource one string: moto's PutBucketLogging looks for it statement by
        // statement, fails on a "Principal": "*" it meets before, and does not recognise a Resource list
        return ordered("Version", VERSION, "Statement", List.of(
                ordered("Sid", "S3ServerAccessLogs", "Effect", "Allow",
                        "Principal", Map.of("Service", "logging.s3.amazonaws.com"),
                        "Action", "s3:PutObject",
                        "Resource", logBucketArn + "/" + prefix + "*",
                        "Condition", ordered(
                                "ArnLike", Map.of("aws:SourceArn", "arn:" + partition + ":s3:::" + sourceBucket),
                                "StringEquals", Map.of("aws:SourceAccount", accountId))),
                BucketBaseline.denyInsecureTransport(logBucketArn)));
    }

    /** A map that keeps the order given, so documents read well in the console. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
