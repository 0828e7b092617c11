package io.palisade.common;

/**
 * Every name and ARN Palisade gives what it makes, in one place: the phases, their tests and
 * the end-to-end checks refer to these instead of spelling them again. The CLI
 * ({@code scripts/run.py}) prints the names the execution output carries.
 *
 * <p>Changing one renames a live resource: a run after the change makes a new one and leaves
 * the old one behind, so each is as stable as an API.
 */
public final class Names {
    private Names() {}

    // ---- IAM: roles, users, groups, policies --------------------------------------------------

    /** The role AWS Organizations creates in each new member account, trusted by the management account. */
    public static final String ORGANIZATION_ACCESS_ROLE = "OrganizationAccountAccessRole";
    /** The role in every member account that only the temp-admin may assume, and only during a run. */
    public static final String BOOTSTRAP_ROLE = "PalisadeBootstrap";
    /**
     * The read-only role in every member account (AWS managed {@code ReadOnlyAccess}) that only
     * the management account's plan phases (apply-accounts, root-login-alarms) may assume: what
     * a plan, or a drift run without repair, reads with instead of the temp-admin.
     */
    public static final String AUDIT_ROLE = "PalisadeAudit";
    /** The AWS managed policy attached to {@link #AUDIT_ROLE} (under {@code arn:<partition>:iam::aws:policy/}). */
    public static final String AUDIT_POLICY = "ReadOnlyAccess";
    /** The run's short-lived user in the identity account. */
    public static final String TEMP_ADMIN_USER = "PalisadeTempAdmin";
    /** Secrets Manager name of the temp-admin's access key (management account, Palisade's region). */
    public static final String TEMP_ADMIN_SECRET = "palisade/temp-admin";
    /** The temp-admin user's only inline policy. */
    public static final String TEMP_ADMIN_USER_POLICY = "AssumeBootstrapRoleOnly";
    /** The bootstrap role's only inline policy. */
    public static final String BOOTSTRAP_ROLE_POLICY = "PalisadeBaseline";
    /** The group every configured user joins (manage own credentials, nothing without MFA). */
    public static final String ALL_USERS_GROUP = "AllUsers";
    /** The role CloudTrail assumes to deliver to the root-login log group, in every account. */
    public static final String DELIVERY_ROLE = "PalisadeCloudTrailToLogs";
    /** The delivery role's only inline policy. */
    public static final String DELIVERY_POLICY = "DeliverToPalisadeLogGroup";
    /** Path of the IAM users and groups Palisade makes. */
    public static final String IAM_PATH = "/palisade/";

    // ---- tags ----------------------------------------------------------------------------------

    /** Tag on what Palisade created (roles, users, trails); IAM groups cannot be tagged. */
    public static final String MANAGED_TAG = "palisade:managed";
    /** Tag on the temp-admin user: the run that made (or adopted) it. */
    public static final String RUN_TAG = "palisade:run";

    // ---- CloudTrail, its key and buckets -------------------------------------------------------

    /** The organization's trail, in every account. */
    public static final String TRAIL = "palisade-trail";
    /** The trail key's alias, in the identity account. */
    public static final String TRAIL_KEY_ALIAS = "alias/palisade-cloudtrail";

    // ---- AWS Config ----------------------------------------------------------------------------

    /** The configuration recorder, in every account's home region (AWS's conventional name). */
    public static final String CONFIG_RECORDER = "default";
    /** Its delivery channel to the identity account's config bucket. */
    public static final String CONFIG_DELIVERY_CHANNEL = "default";
    /** The service AWS Config's service-linked role is for. */
    public static final String CONFIG_SERVICE = "config.amazonaws.com";
    /** The role the recorder records with: AWS Config's service-linked role, in each account. */
    public static final String CONFIG_SERVICE_ROLE = "AWSServiceRoleForConfig";

    /** {@link #CONFIG_SERVICE_ROLE}'s ARN (service-linked roles live under {@code /aws-service-role/<service>/}). */
    public static String configServiceRoleArn(String partition, String accountId) {
        return "arn:" + partition + ":iam::" + accountId + ":role/aws-service-role/" + CONFIG_SERVICE + "/"
                + CONFIG_SERVICE_ROLE;
    }

    // ---- root-login alarms ---------------------------------------------------------------------

    /** The log group the trail delivers to, in every account. */
    public static final String LOG_GROUP = "palisade/cloudtrail";
    public static final String ROOT_ALERTS_TOPIC = "palisade-root-alerts";
    public static final String ROOT_USAGE_METRIC_FILTER = "palisade-root-usage";
    public static final String ROOT_USAGE_ALARM = "palisade-root-usage";
    public static final String ROOT_ACTIVITY_RULE = "palisade-root-activity";
    /** The rule's target (the topic) has this id. */
    public static final String ROOT_ACTIVITY_TARGET_ID = "palisade-root-alerts";

    // ---- state ---------------------------------------------------------------------------------

    /** The state record's key in the state bucket. */
    public static final String STATE_KEY = "palisade/state.json";
    /** Where each run's report goes in the state bucket: {@code reports/<runId>.json} and {@code .md}. */
    public static final String REPORT_PREFIX = "reports/";

    // ---- IAM Access Analyzer ------------------------------------------------------------------

    /** The service principal of IAM Access Analyzer: trusted access and the delegated administrator are for it. */
    public static final String ACCESS_ANALYZER_PRINCIPAL = "access-analyzer.amazonaws.com";

    /**
     * The organization's analyzer (type {@code ORGANIZATION}), in the identity account, the
     * delegated administrator for Access Analyzer, in the home region.
     */
    public static String organizationAnalyzer(String organizationName) {
        return organizationName + "-palisade-organization";
    }

    // ---- guardrails: Organizations policies at the root ---------------------------------------
    // Prefixed with the organization name, as the buckets they protect are: one config, one set.

    /** The SCP that denies leaving the organization, root-user actions and changes to Palisade's baseline. */
    public static String guardrailsPolicy(String organizationName) {
        return organizationName + "-palisade-guardrails";
    }

    /** The optional SCP that denies every region but the allowed ones. */
    public static String regionGuardrailPolicy(String organizationName) {
        return organizationName + "-palisade-region-allowlist";
    }

    /** The RCP that keeps Palisade's buckets inside the organization. */
    public static String dataPerimeterPolicy(String organizationName) {
        return organizationName + "-palisade-data-perimeter";
    }

    /** Every bucket Palisade makes ({@code <org>-palisade-*}), for policies written before the identity account's id is known. */
    public static String bucketPrefix(String organizationName) {
        return organizationName + "-palisade-";
    }

    // ---- bucket names: global, so each carries the identity account's id ------------------------

    /** The state bucket, in the identity account. */
    public static String stateBucket(String organizationName, String identityAccountId) {
        return organizationName + "-palisade-state-" + identityAccountId;
    }

    /** The central trail bucket, in the identity account. */
    public static String trailBucket(String organizationName, String identityAccountId) {
        return organizationName + "-palisade-trail-" + identityAccountId;
    }

    /** The bucket the trail bucket's S3 server access logs go to (CIS 3.6). */
    public static String accessLogBucket(String organizationName, String identityAccountId) {
        return organizationName + "-palisade-access-logs-" + identityAccountId;
    }

    /** The bucket every account's AWS Config delivery channel delivers to, in the identity account. */
    public static String configBucket(String organizationName, String identityAccountId) {
        return organizationName + "-palisade-config-" + identityAccountId;
    }

    // ---- ARNs ----------------------------------------------------------------------------------

    public static String roleArn(String partition, String accountId, String roleName) {
        return "arn:" + partition + ":iam::" + accountId + ":role/" + roleName;
    }

    /** An AWS managed policy's ARN ({@code arn:<p>:iam::aws:policy/<name>}). */
    public static String awsManagedPolicyArn(String partition, String name) {
        return "arn:" + partition + ":iam::aws:policy/" + name;
    }

    /** The account as a principal ({@code arn:<p>:iam::<id>:root}). */
    public static String accountRootArn(String partition, String accountId) {
        return "arn:" + partition + ":iam::" + accountId + ":root";
    }

    public static String bucketArn(String partition, String bucket) {
        return "arn:" + partition + ":s3:::" + bucket;
    }

    /** A trail's ARN; {@code accountId} may be {@code *} (Palisade's trail in any account). */
    public static String trailArn(String partition, String region, String accountId, String trail) {
        return "arn:" + partition + ":cloudtrail:" + region + ":" + accountId + ":trail/" + trail;
    }

    /** The log group's ARN as CloudTrail wants it (with the {@code :*} stream wildcard). */
    public static String logGroupArn(String partition, String region, String accountId, String logGroup) {
        return "arn:" + partition + ":logs:" + region + ":" + accountId + ":log-group:" + logGroup + ":*";
    }

    public static String topicArn(String partition, String region, String accountId, String topic) {
        return "arn:" + partition + ":sns:" + region + ":" + accountId + ":" + topic;
    }

    /** A KMS alias's ARN ({@code alias} with its {@code alias/} prefix). */
    public static String kmsAliasArn(String partition, String region, String accountId, String alias) {
        return "arn:" + partition + ":kms:" + region + ":" + accountId + ":" + alias;
    }
}
