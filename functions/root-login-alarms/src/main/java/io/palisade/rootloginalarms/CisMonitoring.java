package io.palisade.rootloginalarms;

import java.util.List;

/**
 * The CIS AWS Foundations monitoring set: one CloudWatch Logs metric filter on the trail's log
 * group and one alarm on its metric, into the account's alert topic, for each row. The one table
 * of them: the phase plans, applies and reports exactly these rows, and {@code CisMonitoringTest}
 * holds each pattern to the published text, copied there verbatim with its source.
 *
 * <p>Where the patterns come from (each filter's pattern is the published text, unchanged):
 * <ul>
 *   <li>AWS Security Hub controls CloudWatch.1 to CloudWatch.14 (Security Hub User Guide,
 *       "Amazon CloudWatch controls"), which check "the exact metric filters prescribed by CIS";
 *       CloudWatch.1 (root usage) keeps the CIS Benchmark's own spelling, which Palisade already
 *       deployed and which differs from Security Hub's only in spaces;</li>
 *   <li>route table changes: CIS AWS Foundations 7.0 control 5.13's audit text (as Prowler
 *       5.46.0 ships it in {@code compliance/aws/cis_7.0_aws.json}) rather than CloudWatch.13's,
 *       because CIS 7.0 (and Prowler's check of it) requires {@code $.eventSource = ec2.amazonaws.com},
 *       which the older text lacks;</li>
 *   <li>AWS Organizations changes: CIS 7.0 control 5.15 (no Security Hub control), same source.</li>
 * </ul>
 *
 * <p>Every alarm: Sum of its metric over 300 s, at least 1, missing data not breaching, its
 * actions enabled and sent to the alert topic (the CIS remediation's settings). Each row has its
 * own metric (Prowler and Security Hub match an alarm to its filter by metric name and namespace).
 */
public final class CisMonitoring {
    private CisMonitoring() {}

    /** The metric namespace of every row (the CIS remediation's "CISBenchmark"). */
    public static final String NAMESPACE = "CISBenchmark";

    /** Names of the alarms and filters Palisade adds beside the root-usage one (template.yaml grants these). */
    public static final String NAME_PREFIX = "palisade-cis-";

    /**
     * One monitored event class.
     *
     * @param control the Security Hub control (or, where none, the CIS 7.0 control) it satisfies
     * @param cis the CIS AWS Foundations 7.0 control number
     * @param name the metric filter's and the alarm's name
     * @param metric the metric the filter emits and the alarm watches, in {@link #NAMESPACE}
     * @param pattern the filter pattern, exactly the published text
     * @param description the alarm's description
     */
    public record Filter(String control, String cis, String name, String metric, String pattern,
                         String description) {}

    public static final Filter ROOT_USAGE = new Filter("CloudWatch.1", "5.3", "palisade-root-usage",
            "RootAccountUsage",
            "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS"
                    + " && $.eventType != \"AwsServiceEvent\" }",
            "The root user of this account was used (CIS AWS Foundations)");

    /** In CIS order; the root-usage row first (it is the one Palisade has always made). */
    public static final List<Filter> FILTERS = List.of(
            ROOT_USAGE,
            new Filter("CloudWatch.2", "5.1", NAME_PREFIX + "unauthorized-api-calls", "UnauthorizedAPICalls",
                    "{($.errorCode=\"*UnauthorizedOperation\") || ($.errorCode=\"AccessDenied*\")}",
                    "Unauthorized API calls in this account (CIS AWS Foundations)"),
            new Filter("CloudWatch.3", "5.2", NAME_PREFIX + "console-sign-in-without-mfa", "ConsoleSigninWithoutMFA",
                    "{ ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\")"
                            + " && ($.userIdentity.type = \"IAMUser\") && ($.responseElements.ConsoleLogin = \"Success\") }",
                    "An IAM user signed in to the console without MFA (CIS AWS Foundations)"),
            new Filter("CloudWatch.4", "5.4", NAME_PREFIX + "iam-policy-changes", "IAMPolicyChanges",
                    "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy)"
                            + " || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy)"
                            + " || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy)"
                            + " || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion)"
                            + " || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy)"
                            + " || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy)"
                            + " || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}",
                    "An IAM policy was changed (CIS AWS Foundations)"),
            new Filter("CloudWatch.5", "5.5", NAME_PREFIX + "cloudtrail-changes", "CloudTrailChanges",
                    "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail)"
                            + " || ($.eventName=StartLogging) || ($.eventName=StopLogging)}",
                    "A CloudTrail trail's configuration was changed (CIS AWS Foundations)"),
            new Filter("CloudWatch.6", "5.6", NAME_PREFIX + "console-authentication-failures",
                    "ConsoleAuthenticationFailure",
                    "{($.eventName=ConsoleLogin) && ($.errorMessage=\"Failed authentication\")}",
                    "A console sign-in failed authentication (CIS AWS Foundations)"),
            new Filter("CloudWatch.7", "5.7", NAME_PREFIX + "disable-or-delete-cmk", "DisableOrDeleteCMK",
                    "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}",
                    "A customer managed KMS key was disabled or scheduled for deletion (CIS AWS Foundations)"),
            new Filter("CloudWatch.8", "5.8", NAME_PREFIX + "s3-bucket-policy-changes", "S3BucketPolicyChanges",
                    "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy)"
                            + " || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle)"
                            + " || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy)"
                            + " || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle)"
                            + " || ($.eventName=DeleteBucketReplication))}",
                    "An S3 bucket policy, ACL, CORS, lifecycle or replication changed (CIS AWS Foundations)"),
            new Filter("CloudWatch.9", "5.9", NAME_PREFIX + "config-changes", "AWSConfigChanges",
                    "{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)"
                            + " || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel)"
                            + " || ($.eventName=PutConfigurationRecorder))}",
                    "AWS Config's recorder or delivery channel changed (CIS AWS Foundations)"),
            new Filter("CloudWatch.10", "5.10", NAME_PREFIX + "security-group-changes", "SecurityGroupChanges",
                    "{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress)"
                            + " || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress)"
                            + " || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}",
                    "A security group changed (CIS AWS Foundations)"),
            new Filter("CloudWatch.11", "5.11", NAME_PREFIX + "nacl-changes", "NetworkACLChanges",
                    "{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry)"
                            + " || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry)"
                            + " || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}",
                    "A network ACL changed (CIS AWS Foundations)"),
            new Filter("CloudWatch.12", "5.12", NAME_PREFIX + "network-gateway-changes", "NetworkGatewayChanges",
                    "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway)"
                            + " || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway)"
                            + " || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}",
                    "A customer or internet gateway changed (CIS AWS Foundations)"),
            new Filter("CloudWatch.13", "5.13", NAME_PREFIX + "route-table-changes", "RouteTableChanges",
                    "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable)"
                            + " || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation)"
                            + " || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute)"
                            + " || ($.eventName = DisassociateRouteTable) }",
                    "A route table changed (CIS AWS Foundations)"),
            new Filter("CloudWatch.14", "5.14", NAME_PREFIX + "vpc-changes", "VPCChanges",
                    "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute)"
                            + " || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection)"
                            + " || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection)"
                            + " || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc)"
                            + " || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}",
                    "A VPC or VPC peering connection changed (CIS AWS Foundations)"),
            new Filter("CIS 5.15", "5.15", NAME_PREFIX + "organizations-changes", "OrganizationsChanges",
                    "{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = AcceptHandshake)"
                            + " || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount)"
                            + " || ($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy)"
                            + " || ($.eventName = DeclineHandshake) || ($.eventName = DeleteOrganization)"
                            + " || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy)"
                            + " || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType)"
                            + " || ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization)"
                            + " || ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount)"
                            + " || ($.eventName = RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy)"
                            + " || ($.eventName = UpdateOrganizationalUnit)) }",
                    "The organization changed (CIS AWS Foundations)"));

    /** The alarm names, in table order (for one DescribeAlarms call: at most 100 names). */
    public static List<String> alarmNames() {
        return FILTERS.stream().map(Filter::name).toList();
    }
}
