package io.palisade.applyaccounts;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.BucketBaseline;
import io.palisade.common.policy.PolicyDocument;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The IAM and bucket policy documents an account's baseline consists of, and how to tell
 * whether a document read back from AWS already says the same thing (that is
 * {@link PolicyDocument#equivalent}).
 */
final class PolicyDocuments {
    static final String VERSION = PolicyDocument.VERSION;
    /** Longest MFA age (seconds) a role session may start from: 12 hours. */
    static final int MFA_MAX_AGE_SECONDS = 43200;

    private PolicyDocuments() {}

    /** A role only the identity account may assume, and only with MFA (the seed trusted the root without it). */
    static Map<String, Object> roleTrust(String partition, String identityAccountId) {
        return ordered("Version", VERSION,
                "Statement", List.of(ordered(
                        "Sid", "AssumeFromIdentityAccountWithMfa",
                        "Effect", "Allow",
                        "Principal", Map.of("AWS", Names.accountRootArn(partition, identityAccountId)),
                        "Action", "sts:AssumeRole",
                        "Condition", Map.of(
                                "Bool", Map.of("aws:MultiFactorAuthPresent", "true"),
                                "NumericLessThan", Map.of("aws:MultiFactorAuthAge",
                                        String.valueOf(MFA_MAX_AGE_SECONDS))))));
    }

    /**
     * Trust of {@value Names#AUDIT_ROLE}: {@code sts:AssumeRole} for exactly the management
     * account's plan phases (the roles of ApplyAccountsFunction and RootLoginAlarmsFunction, from
     * {@code PALISADE_AUDITORS}), nobody else: no account root, no human, no temp-admin.
     */
    static Map<String, Object> auditTrust(List<String> auditorRoleArns) {
        if (auditorRoleArns == null || auditorRoleArns.isEmpty()) {
            throw new IllegalArgumentException("The audit role needs at least one auditor role ARN (PALISADE_AUDITORS)");
        }
        return ordered("Version", VERSION,
                "Statement", List.of(ordered(
                        "Sid", "PlanPhasesOfTheManagementAccountOnly",
                        "Effect", "Allow",
                        "Principal", Map.of("AWS", List.copyOf(new java.util.TreeSet<>(auditorRoleArns))),
                        "Action", "sts:AssumeRole")));
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

    /**
     * A group's only grant: {@code sts:AssumeRole} on exactly these role ARNs, written so that it
     * stays within IAM's 5,120 characters for a group's inline policies at hundreds of accounts.
     *
     * <p>The grants are grouped by the set of accounts a role name is granted in. Each such set
     * is written the shorter of two exact ways: the role ARNs one by one (few accounts), or the
     * role names in any account ({@code arn:<p>:iam::*:role/<name>}) with the accounts listed in
     * {@code aws:ResourceAccount}, about 15 characters an account instead of about 45 (many
     * accounts). Both allow the same roles in the same accounts and nothing else. Past about 330
     * accounts a group is still too large: {@link Directory} then fails before any call.
     */
    static Map<String, Object> assumeRoles(List<String> roleArns) {
        List<String> listed = new ArrayList<>();
        // (partition, role name) -> accounts, in the order given
        Map<List<String>, Set<String>> accountsByRole = new LinkedHashMap<>();
        for (String arn : new LinkedHashSet<>(roleArns)) {
            String[] parts = arn.split(":", 6);
            if (parts.length == 6 && parts[2].equals("iam") && parts[5].startsWith("role/")
                    && parts[5].indexOf('/', 5) < 0 && !parts[4].isEmpty() && !parts[4].contains("*")) {
                accountsByRole.computeIfAbsent(List.of(parts[1], parts[5].substring(5)), k -> new TreeSet<>())
                        .add(parts[4]);
            } else {
                listed.add(arn);
            }
        }
        // (partition, accounts) -> role names: each is exactly "these roles in these accounts"
        Map<List<Object>, List<String>> rolesByAccounts = new LinkedHashMap<>();
        accountsByRole.forEach((role, accounts) -> rolesByAccounts
                .computeIfAbsent(List.of(role.get(0), List.copyOf(accounts)), k -> new ArrayList<>()).add(role.get(1)));
        List<Map<String, Object>> byAccount = new ArrayList<>();
        Set<String> inListedForm = new LinkedHashSet<>();
        rolesByAccounts.forEach((key, roles) -> {
            String partition = (String) key.get(0);
            @SuppressWarnings("unchecked")
            List<String> accounts = (List<String>) key.get(1);
            List<String> arns = new ArrayList<>();
            for (String role : roles) {
                for (String account : accounts) {
                    arns.add(Names.roleArn(partition, account, role));
                }
            }
            Map<String, Object> compact = ordered("Sid", "AssumeConfiguredRolesInAccounts" + (byAccount.size() + 1),
                    "Effect", "Allow",
                    "Action", "sts:AssumeRole",
                    "Resource", roles.stream().map(r -> Names.roleArn(partition, "*", r)).toList(),
                    "Condition", Map.of("StringEquals", Map.of("aws:ResourceAccount", accounts)));
            if (Json.write(compact).length() < Json.write(arns).length()) {
                byAccount.add(compact);
            } else {
                inListedForm.addAll(arns);
            }
        });
        List<Object> statements = new ArrayList<>();
        // the ARNs in the order given: a small group reads (and compares) as it always did
        List<String> resources = new ArrayList<>();
        for (String arn : roleArns) {
            if ((inListedForm.contains(arn) || listed.contains(arn)) && !resources.contains(arn)) {
                resources.add(arn);
            }
        }
        if (!resources.isEmpty()) {
            statements.add(ordered(
                    "Sid", "AssumeConfiguredRoles",
                    "Effect", "Allow",
                    "Action", "sts:AssumeRole",
                    "Resource", List.copyOf(resources)));
        }
        statements.addAll(byAccount);
        return ordered("Version", VERSION, "Statement", statements);
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
     * logs only for the {@code palisade-trail} (home region {@code region}) of one of these
     * accounts, and only under {@code AWSLogs/}. It grows by about 30 bytes an account (the ids,
     * once per statement), so 300 accounts take about 10 KB of S3's 20 KB; one statement pair per
     * account, as before, broke from about 28.
     *
     * <ul>
     *   <li>{@code aws:SourceAccount}: the account whose trail writes; with {@code aws:SourceArn}
     *       the confused-deputy guard the CloudTrail User Guide documents for this bucket policy.
     *       ({@code aws:SourceOrgID} would not grow at all, but no CloudTrail page says CloudTrail
     *       sends it to S3, and a key it does not send makes the Allow never apply.)</li>
     *   <li>{@code aws:SourceArn}: only Palisade's trail ({@code arn:<p>:cloudtrail:<region>:*:trail/<name>}).</li>
     *   <li>{@code AWSLogs/*}: CloudTrail writes an account's logs under
     *       {@code [prefix/]AWSLogs/<its account id>/} and refuses a prefix containing
     *       {@code AWSLogs/}; Palisade's trails have no prefix (see ApplyAccounts#trailMatches), so
     *       a trail writes only its own account's {@code AWSLogs/<id>/}.</li>
     * </ul>
     */
    static Map<String, Object> trailBucketPolicy(String partition, String region, String bucket,
                                                 List<String> accountIds, String trailName) {
        String bucketArn = Names.bucketArn(partition, bucket);
        String trails = trailPattern(partition, region, trailName);
        List<String> accounts = accountIds.stream().distinct().sorted().toList();
        return ordered("Version", VERSION, "Statement", List.of(
                BucketBaseline.denyInsecureTransport(bucketArn),
                ordered("Sid", "CloudTrailAclCheck", "Effect", "Allow",
                        "Principal", Map.of("Service", "cloudtrail.amazonaws.com"),
                        "Action", "s3:GetBucketAcl",
                        "Resource", bucketArn,
                        "Condition", ordered(
                                "StringEquals", Map.of("aws:SourceAccount", accounts),
                                "ArnLike", Map.of("aws:SourceArn", trails))),
                ordered("Sid", "CloudTrailWrite", "Effect", "Allow",
                        "Principal", Map.of("Service", "cloudtrail.amazonaws.com"),
                        "Action", "s3:PutObject",
                        "Resource", bucketArn + "/AWSLogs/*",
                        "Condition", ordered(
                                "StringEquals", ordered(
                                        "s3:x-amz-acl", "bucket-owner-full-control",
                                        "aws:SourceAccount", accounts),
                                "ArnLike", Map.of("aws:SourceArn", trails)))));
    }

    /**
     * The config bucket's policy: TLS only, and AWS Config (the {@code config.amazonaws.com}
     * principal, which delivers for the service-linked role to a bucket of another account) may
     * check the bucket's ACL and existence and write under {@code AWSLogs/<account>/Config/},
     * for these accounts only ({@code aws:SourceAccount}). The three statements are the AWS Config
     * Developer Guide's "Permissions for the Amazon S3 Bucket for the AWS Config Delivery Channel"
     * (s3-bucket-policy.html), with its Sids; its per-account {@code AWSLogs/<sourceAccountID>/Config/*}
     * is written {@code AWSLogs/*}{@code /Config/*} with the accounts listed once per statement, as the
     * trail bucket does: about 45 bytes an account instead of about 120, so 300 accounts fit S3's 20 KB.
     * A dedicated bucket, not the trail bucket: both grants in one policy would pass 20 KB at about
     * 300 accounts, and CloudTrail's statements are conditioned on the trail's ARN, which Config has not.
     */
    static Map<String, Object> configBucketPolicy(String partition, String bucket, List<String> accountIds) {
        String bucketArn = Names.bucketArn(partition, bucket);
        List<String> accounts = accountIds.stream().distinct().sorted().toList();
        Map<String, Object> fromAccounts = Map.of("StringEquals", Map.of("aws:SourceAccount", accounts));
        Map<String, Object> config = Map.of("Service", "config.amazonaws.com");
        return ordered("Version", VERSION, "Statement", List.of(
                BucketBaseline.denyInsecureTransport(bucketArn),
                ordered("Sid", "AWSConfigBucketPermissionsCheck", "Effect", "Allow", "Principal", config,
                        "Action", "s3:GetBucketAcl", "Resource", bucketArn, "Condition", fromAccounts),
                ordered("Sid", "AWSConfigBucketExistenceCheck", "Effect", "Allow", "Principal", config,
                        "Action", "s3:ListBucket", "Resource", bucketArn, "Condition", fromAccounts),
                ordered("Sid", "AWSConfigBucketDelivery", "Effect", "Allow", "Principal", config,
                        "Action", "s3:PutObject", "Resource", bucketArn + "/AWSLogs/*/Config/*",
                        "Condition", Map.of("StringEquals", ordered(
                                "s3:x-amz-acl", "bucket-owner-full-control",
                                "aws:SourceAccount", accounts)))));
    }

    /**
     * The trail key's policy (the CloudTrail User Guide's "Configure AWS KMS key policies for
     * CloudTrail"): the identity account administers it; CloudTrail may encrypt only for the
     * {@code palisade-trail} of each of these accounts and describe it; principals of the
     * identity account, where the bucket is, may decrypt what those trails encrypted, and nothing
     * else.
     *
     * <p>Which trails may encrypt is said with {@code aws:SourceAccount} (the trail owner's
     * account, "supported" by that guide) listing the accounts, and {@code aws:SourceArn} naming
     * the trail in any account: together exactly the trail ARNs listed one by one before, at
     * about 15 bytes an account instead of about 110 (KMS refuses key policies over 32 KB; the
     * old form did from about 200 accounts).
     */
    static Map<String, Object> trailKeyPolicy(String partition, String region, String identityAccountId,
                                              List<String> accountIds, String trailName) {
        String trailContexts = Names.trailArn(partition, "*", "*", trailName);
        return ordered("Version", VERSION, "Statement", List.of(
                ordered("Sid", "EnableIdentityAccountAdministration", "Effect", "Allow",
                        "Principal", Map.of("AWS", Names.accountRootArn(partition, identityAccountId)),
                        "Action", "kms:*",
                        "Resource", "*"),
                ordered("Sid", "AllowCloudTrailToEncryptLogs", "Effect", "Allow",
                        "Principal", Map.of("Service", "cloudtrail.amazonaws.com"),
                        "Action", "kms:GenerateDataKey*",
                        "Resource", "*",
                        "Condition", ordered(
                                "StringEquals", Map.of("aws:SourceAccount", List.copyOf(new TreeSet<>(accountIds))),
                                "ArnLike", Map.of("aws:SourceArn", trailPattern(partition, region, trailName)),
                                "StringLike", Map.of("kms:EncryptionContext:aws:cloudtrail:arn", trailContexts))),
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
                                // only the encrypt grant above makes such ciphertext with this key
                                "StringLike", Map.of("kms:EncryptionContext:aws:cloudtrail:arn", trailContexts)))));
    }

    /** Palisade's trail in any account: multi-region trails carry their home region in the ARN. */
    private static String trailPattern(String partition, String region, String trailName) {
        return Names.trailArn(partition, region, "*", trailName);
    }

    private static String requireOrganizationId(String organizationId) {
        if (organizationId == null || !organizationId.startsWith("o-")) {
            throw new IllegalStateException("The run's organization id is unknown (" + organizationId
                    + "): the trail bucket policy admits the organization's trails by it");
        }
        return organizationId;
    }

    /**
     * The access-log bucket's policy: TLS only, and S3 server access logging may write each source
     * bucket's logs under its own prefix only (the S3 User Guide's logging.s3.amazonaws.com grant,
     * the only way with ACLs disabled: "Bucket owner enforced" ignores the log-delivery group ACL).
     *
     * @param sources each source bucket and the prefix its logs go under, in order
     */
    static Map<String, Object> accessLogBucketPolicy(String partition, String logBucket, Map<String, String> sources,
                                                     String accountId) {
        String logBucketArn = Names.bucketArn(partition, logBucket);
        // the grants first and each Resource one string: moto's PutBucketLogging looks for one statement by
        // statement, fails on a "Principal": "*" it meets before, and does not recognise a Resource list
        List<Object> statements = new ArrayList<>();
        boolean first = true;
        for (var source : sources.entrySet()) {
            statements.add(ordered("Sid", first ? "S3ServerAccessLogs" : "S3ServerAccessLogs" + sid(source.getValue()),
                    "Effect", "Allow",
                    "Principal", Map.of("Service", "logging.s3.amazonaws.com"),
                    "Action", "s3:PutObject",
                    "Resource", logBucketArn + "/" + source.getValue() + "*",
                    "Condition", ordered(
                            "ArnLike", Map.of("aws:SourceArn", Names.bucketArn(partition, source.getKey())),
                            "StringEquals", Map.of("aws:SourceAccount", accountId))));
            first = false;
        }
        statements.add(BucketBaseline.denyInsecureTransport(logBucketArn));
        return ordered("Version", VERSION, "Statement", List.copyOf(statements));
    }

    /** A statement id from a prefix: {@code state-bucket/} -> {@code StateBucket}. */
    private static String sid(String prefix) {
        StringBuilder sid = new StringBuilder();
        for (String word : prefix.split("[^A-Za-z0-9]+")) {
            if (!word.isEmpty()) {
                sid.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
            }
        }
        return sid.toString();
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
