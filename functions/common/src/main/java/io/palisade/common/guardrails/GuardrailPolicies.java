package io.palisade.common.guardrails;

import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.policy.PolicyDocument;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Organizations policies Palisade attaches at the organization's root, as documents built
 * from the config (no AWS call): the validator measures them before any change, and the first
 * phase plans and applies them.
 *
 * <ul>
 *   <li>{@code <org>-palisade-guardrails} (SCP): deny {@code organizations:LeaveOrganization}; deny
 *       every action of a member account's root user except in an {@code sts:AssumeRoot} session
 *       (aws-samples/service-control-policy-examples, "Prevent root credentials management in
 *       member accounts": {@code ArnLike aws:PrincipalArn arn:aws:iam::*:root} with
 *       {@code Null aws:AssumedRoot true}, so the management account's centralized root access
 *       keeps working); deny stopping, deleting or changing Palisade's trail, log groups (and
 *       their metric filters), alarms, topics, rules, buckets, keys and roles to anyone but
 *       Palisade's own roles ({@value Names#BOOTSTRAP_ROLE}, which only the run's temp-admin may
 *       assume, and {@value Names#ORGANIZATION_ACCESS_ROLE}, which only the management account
 *       may assume). Those two roles are themselves in the protected set: an account's admin
 *       can neither make a role of either name nor change who may assume it.</li>
 *   <li>{@code <org>-palisade-region-allowlist} (SCP, only when {@code guardrails.allowedRegions}
 *       names regions): AWS's "Deny access to AWS based on the requested AWS Region" example
 *       (Organizations User Guide, SCP general examples; aws-samples/service-control-policy-examples
 *       Region-controls), with its list of global services exempt.</li>
 *   <li>{@code <org>-palisade-data-perimeter} (RCP): Palisade's buckets ({@code <org>-palisade-*})
 *       deny any principal outside the organization, and any AWS service acting for a source
 *       outside it (aws-samples/data-perimeter-policy-examples, identity_perimeter_rcp.json:
 *       EnforceOrgIdentities and EnforceConfusedDeputyProtection, limited to s3 and these buckets).</li>
 * </ul>
 * SCPs never restrict the management account (where Palisade's own functions run), and RCPs
 * never restrict its resources.
 */
public final class GuardrailPolicies {
    public static final String SCP = "SERVICE_CONTROL_POLICY";
    public static final String RCP = "RESOURCE_CONTROL_POLICY";
    /**
     * The longest organization id ({@code o-} and 10 to 32 characters): the RCP is measured with
     * it before the organization (and so its id) exists.
     */
    static final String LONGEST_ORGANIZATION_ID = "o-" + "x".repeat(32);

    /**
     * The global services AWS's region example exempts: their endpoints are in us-east-1 (or
     * answer for every region), so a region allow-list without them would deny IAM,
     * Organizations, STS, support and billing everywhere.
     */
    static final List<String> GLOBAL_ACTIONS = List.of("a4b:*", "acm:*", "aws-marketplace-management:*",
            "aws-marketplace:*", "aws-portal:*", "budgets:*", "ce:*", "chime:*", "cloudfront:*", "config:*", "cur:*",
            "directconnect:*", "ec2:DescribeRegions", "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways",
            "fms:*", "globalaccelerator:*", "health:*", "iam:*", "importexport:*", "kms:*", "mobileanalytics:*",
            "networkmanager:*", "organizations:*", "pricing:*", "route53:*", "route53domains:*",
            "route53-recovery-cluster:*", "route53-recovery-control-config:*", "route53-recovery-readiness:*",
            "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints", "s3:PutAccountPublic*",
            "shield:*", "sts:*", "support:*", "trustedadvisor:*", "waf-regional:*", "waf:*", "wafv2:*",
            "wellarchitected:*");

    /** Roles Palisade acts through in member accounts, and the ones it makes there: an admin may not make or change them. */
    static final List<String> PROTECTED_ROLES = List.of(Names.BOOTSTRAP_ROLE, Names.ORGANIZATION_ACCESS_ROLE,
            Names.AUDIT_ROLE, Names.DELIVERY_ROLE);

    /**
     * One policy Palisade manages at the root.
     *
     * @param name     its name in Organizations
     * @param type     {@link #SCP} or {@link #RCP}
     * @param field    the config field that turns it on (what a size error names)
     * @param document what it must say; {@code null} when the config turns it off (it must not exist)
     */
    public record Policy(String name, String type, String field, Map<String, Object> document) {
        public boolean wanted() {
            return document != null;
        }

        /** The document as sent: compact JSON, which Organizations stores and counts as given. */
        public String content() {
            return Json.write(document);
        }

        public String description() {
            return "Managed by Palisade (" + field + "): do not edit, a run restores it";
        }

        public PolicyLimits.Kind limit() {
            return RCP.equals(type) ? PolicyLimits.Kind.RESOURCE_CONTROL_POLICY
                    : PolicyLimits.Kind.SERVICE_CONTROL_POLICY;
        }
    }

    private GuardrailPolicies() {}

    /**
     * Every policy Palisade manages for this config, wanted or not, in a fixed order.
     *
     * @param organizationId the organization's id; {@code null} before it exists (the longest
     *                       possible id then stands in, so sizes are never under-measured)
     */
    public static List<Policy> of(OrgConfig config, String partition, String organizationId) {
        String org = config.organization().name();
        OrgConfig.Guardrails g = config.guardrailsOrDefaults();
        List<Policy> policies = new ArrayList<>();

        List<Map<String, Object>> guardrails = new ArrayList<>();
        if (g.leaveDenied()) {
            guardrails.add(statement("DenyLeaveOrganization", "organizations:LeaveOrganization", "*", null));
        }
        if (g.rootDenied()) {
            guardrails.add(statement("DenyRootUser", "*", "*", Map.of(
                    "ArnLike", Map.of("aws:PrincipalArn", "arn:" + partition + ":iam::*:root"),
                    "Null", Map.of("aws:AssumedRoot", "true"))));
        }
        if (g.baselineProtected()) {
            guardrails.addAll(protection(partition, org, config.recordsConfig()));
        }
        policies.add(new Policy(Names.guardrailsPolicy(org), SCP, "guardrails",
                guardrails.isEmpty() ? null : document(guardrails)));

        policies.add(new Policy(Names.regionGuardrailPolicy(org), SCP, "guardrails.allowedRegions",
                g.regions().isEmpty() ? null : document(List.of(regionDeny(g.regions())))));

        policies.add(new Policy(Names.dataPerimeterPolicy(org), RCP, "guardrails.dataPerimeter",
                g.perimeter() ? document(perimeter(partition, org,
                        organizationId == null ? LONGEST_ORGANIZATION_ID : organizationId)) : null));
        return policies;
    }

    /**
     * One problem per wanted policy over its size limit, naming the config field that makes it
     * ({@code guardrails.allowedRegions makes the service control policy ... 5,301 characters,
     * over AWS's limit of 5120}), as {@code ConfigValidator} reports problems.
     */
    public static List<String> sizeProblems(List<Policy> policies) {
        List<String> problems = new ArrayList<>();
        for (Policy policy : policies) {
            if (!policy.wanted()) {
                continue;
            }
            int size = PolicyLimits.size(policy.limit(), policy.content());
            if (size > policy.limit().limit()) {
                problems.add(policy.field() + " makes the " + policy.limit().label() + " " + policy.name() + " "
                        + size + " " + policy.limit().unit() + ", over AWS's limit of " + policy.limit().limit()
                        + ": list fewer regions or turn a guardrail off");
            }
        }
        return problems;
    }

    /** Whether {@code actual} (as Organizations returns a policy's content) says what {@code policy} wants. */
    public static boolean matches(Policy policy, String actual) {
        return PolicyDocument.equivalent(actual, policy.document());
    }

    /**
     * @param config whether AWS Config recording is Palisade's (config {@code configRecorder}): then
     *               only Palisade's roles may stop, delete or reconfigure the account's recorder
     *               and delivery channel
     */
    private static List<Map<String, Object>> protection(String p, String org, boolean config) {
        Map<String, Object> notPalisade = Map.of("ArnNotLike", Map.of("aws:PrincipalArn", List.of(
                "arn:" + p + ":iam::*:role/" + Names.BOOTSTRAP_ROLE,
                "arn:" + p + ":iam::*:role/" + Names.ORGANIZATION_ACCESS_ROLE)));
        String buckets = "arn:" + p + ":s3:::" + Names.bucketPrefix(org);
        List<Map<String, Object>> s = new ArrayList<>();
        s.add(statement("ProtectPalisadeTrail", List.of("cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                        "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors"),
                "arn:" + p + ":cloudtrail:*:*:trail/" + Names.TRAIL, notPalisade));
        // a metric filter is authorized on its log group
        s.add(statement("ProtectPalisadeLogGroups", List.of("logs:DeleteLogGroup", "logs:DeleteLogStream",
                        "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey",
                        "logs:DisassociateKmsKey", "logs:PutMetricFilter", "logs:DeleteMetricFilter",
                        "logs:DeleteSubscriptionFilter"),
                "arn:" + p + ":logs:*:*:log-group:palisade/*", notPalisade));
        s.add(statement("ProtectPalisadeAlarms", List.of("cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm",
                        "cloudwatch:DisableAlarmActions", "cloudwatch:SetAlarmState"),
                "arn:" + p + ":cloudwatch:*:*:alarm:palisade-*", notPalisade));
        s.add(statement("ProtectPalisadeTopics", List.of("sns:DeleteTopic", "sns:SetTopicAttributes",
                        "sns:AddPermission", "sns:RemovePermission"),
                "arn:" + p + ":sns:*:*:palisade-*", notPalisade));
        s.add(statement("ProtectPalisadeRules", List.of("events:DeleteRule", "events:DisableRule", "events:PutRule",
                        "events:PutTargets", "events:RemoveTargets"),
                "arn:" + p + ":events:*:*:rule/palisade-*", notPalisade));
        s.add(statement("ProtectPalisadeBuckets", List.of("s3:DeleteBucket", "s3:DeleteBucketPolicy",
                        "s3:PutBucketPolicy", "s3:PutBucketLogging", "s3:PutEncryptionConfiguration",
                        "s3:PutBucketPublicAccessBlock", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration",
                        "s3:PutBucketOwnershipControls", "s3:PutBucketAcl"),
                buckets + "*", notPalisade));
        // the logs themselves: the trail's and the access logs' objects
        s.add(statement("ProtectPalisadeLogObjects", List.of("s3:DeleteObject", "s3:DeleteObjectVersion"),
                List.of(buckets + "trail-*/*", buckets + "access-logs-*/*"), notPalisade));
        if (config) {
            // an account has one recorder and one channel per region, and Palisade's are the ones there:
            // recorder and channel ARNs carry a generated id, so the statement names no resource. The
            // config bucket's objects are not listed with the logs above: with a 29-character organization
            // name in aws-us-gov that would take the SCP past 5,120 characters (the bucket itself is protected)
            s.add(statement("ProtectPalisadeConfig", List.of("config:StopConfigurationRecorder",
                    "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
                    "config:PutConfigurationRecorder", "config:PutDeliveryChannel"), "*", notPalisade));
        }
        // a key is named by its alias: kms:ResourceAliases, and the aliases themselves
        Map<String, Object> palisadeKeys = new LinkedHashMap<>(notPalisade);
        palisadeKeys.put("ForAnyValue:StringLike", Map.of("kms:ResourceAliases", "alias/palisade-*"));
        s.add(statement("ProtectPalisadeKeys", List.of("kms:ScheduleKeyDeletion", "kms:DisableKey",
                "kms:PutKeyPolicy", "kms:DisableKeyRotation"), "*", palisadeKeys));
        s.add(statement("ProtectPalisadeKeyAliases", List.of("kms:DeleteAlias", "kms:UpdateAlias"),
                "arn:" + p + ":kms:*:*:alias/palisade-*", notPalisade));
        s.add(statement("ProtectPalisadeRoles", List.of("iam:CreateRole", "iam:DeleteRole",
                        "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                        "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
                        "iam:DeleteRolePermissionsBoundary"),
                PROTECTED_ROLES.stream().map(r -> "arn:" + p + ":iam::*:role/" + r).toList(), notPalisade));
        return s;
    }

    private static Map<String, Object> regionDeny(List<String> regions) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Sid", "DenyOutsideAllowedRegions");
        s.put("Effect", "Deny");
        s.put("NotAction", GLOBAL_ACTIONS);
        s.put("Resource", "*");
        s.put("Condition", Map.of("StringNotEquals", Map.of("aws:RequestedRegion", List.copyOf(regions))));
        return s;
    }

    private static List<Map<String, Object>> perimeter(String p, String org, String organizationId) {
        String buckets = "arn:" + p + ":s3:::" + Names.bucketPrefix(org) + "*";
        List<String> resources = List.of(buckets, buckets + "/*");
        Map<String, Object> principals = principalStatement("PalisadeBucketsOnlyOrganizationPrincipals", resources,
                Map.of("StringNotEqualsIfExists", Map.of("aws:PrincipalOrgID", organizationId),
                        "BoolIfExists", Map.of("aws:PrincipalIsAWSService", "false")));
        Map<String, Object> services = principalStatement("PalisadeBucketsOnlyServicesForTheOrganization", resources,
                Map.of("StringNotEqualsIfExists", Map.of("aws:SourceOrgID", organizationId),
                        "Null", Map.of("aws:SourceAccount", "false"),
                        "Bool", Map.of("aws:PrincipalIsAWSService", "true")));
        return List.of(principals, services);
    }

    private static Map<String, Object> principalStatement(String sid, List<String> resources,
                                                          Map<String, Object> condition) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Sid", sid);
        s.put("Effect", "Deny");
        s.put("Principal", "*");
        s.put("Action", "s3:*");
        s.put("Resource", resources);
        s.put("Condition", condition);
        return s;
    }

    private static Map<String, Object> statement(String sid, Object action, Object resource,
                                                 Map<String, Object> condition) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Sid", sid);
        s.put("Effect", "Deny");
        s.put("Action", action);
        s.put("Resource", resource);
        if (condition != null) {
            s.put("Condition", condition);
        }
        return s;
    }

    private static Map<String, Object> document(List<Map<String, Object>> statements) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("Version", PolicyDocument.VERSION);
        d.put("Statement", List.copyOf(statements));
        return d;
    }
}
