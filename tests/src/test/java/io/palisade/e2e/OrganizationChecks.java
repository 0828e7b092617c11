package io.palisade.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.applyaccounts.S3ControlHost;
import io.palisade.common.Names;
import io.palisade.common.aws.OrganizationAccess;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.rootloginalarms.CisMonitoring;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.accessanalyzer.AccessAnalyzerClient;
import software.amazon.awssdk.services.accessanalyzer.model.AnalyzerStatus;
import software.amazon.awssdk.services.accessanalyzer.model.Type;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.config.ConfigClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.PasswordPolicy;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3control.S3ControlClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * What a bootstrapped organization must look like, read from the emulated organization through
 * the SDK (moto directly, never through the fault proxy): shared by the normal end-to-end test
 * and the runs under injected faults, so both are held to the same checks.
 */
final class OrganizationChecks {
    static final String ROOT_PATTERN =
            "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }";

    private OrganizationChecks() {}

    /**
     * Asserts the whole organization {@code config} describes, everything regional in its home
     * region ({@code organization.region}); returns the account ids by key.
     */
    static Map<String, String> assertBuilt(Clients clients, OrgConfig config) {
        Map<String, String> ids = accountIds(clients, config);
        String management = ids.get(OrgConfig.MANAGEMENT);
        String infosec = ids.get("infosec");
        Clients home = clients.inHomeRegion(config);
        String region = home.region().id();

        // state bucket and record in InfoSec
        S3Client s3 = home.s3(access(clients, ids, infosec));
        String stateBucket = Names.stateBucket(config.organization().name(), infosec);
        assertHardenedBucket(s3, stateBucket);
        assertBucketIn(s3, stateBucket, home.region());
        JsonNode record = Json.read(s3.getObjectAsBytes(r -> r.bucket(stateBucket).key(Names.STATE_KEY))
                .asUtf8String(), JsonNode.class);
        assertThat(record.path("configDigest").asText()).hasSize(64);
        assertThat(record.path("accounts")).hasSize(3);
        assertThat(record.path("lock").isMissingNode() || record.path("lock").isNull()).isTrue();
        JsonNode last = record.path("history").get(record.path("history").size() - 1);
        assertThat(last.path("status").asText()).isEqualTo("SUCCEEDED");

        assertGuardrails(clients, config);

        // issue 10: the organization's IAM Access Analyzer, delegated to InfoSec, in InfoSec's home region
        OrganizationsClient organizations = clients.build(OrganizationsClient.builder());
        assertThat(organizations.listAWSServiceAccessForOrganization().enabledServicePrincipals())
                .extracting(e -> e.servicePrincipal()).contains(Names.ACCESS_ANALYZER_PRINCIPAL);
        assertThat(organizations.listDelegatedAdministrators(r -> r.servicePrincipal(Names.ACCESS_ANALYZER_PRINCIPAL))
                .delegatedAdministrators()).extracting(a -> a.id()).containsExactly(infosec);
        String analyzerName = Names.organizationAnalyzer(config.organization().name());
        var analyzer = home.build(AccessAnalyzerClient.builder(), access(clients, ids, infosec))
                .getAnalyzer(r -> r.analyzerName(analyzerName)).analyzer();
        assertThat(analyzer.type()).isEqualTo(Type.ORGANIZATION);
        assertThat(analyzer.status()).isEqualTo(AnalyzerStatus.ACTIVE);
        assertThat(analyzer.arn()).contains(":" + region + ":" + infosec + ":analyzer/" + analyzerName);

        // InfoSec: password policy, groups, users
        IamClient iam = iam(clients, ids, infosec);
        PasswordPolicy pp = iam.getAccountPasswordPolicy().passwordPolicy();
        assertThat(pp.minimumPasswordLength()).isGreaterThanOrEqualTo(14);
        assertThat(pp.passwordReusePrevention()).isEqualTo(24);
        assertThat(pp.requireSymbols() && pp.requireNumbers() && pp.requireUppercaseCharacters()
                && pp.requireLowercaseCharacters()).isTrue();
        for (OrgConfig.Group g : config.groups()) {
            List<String> resources = assumableRoles(iam, g.name());
            List<String> expected = g.assume().stream()
                    .map(x -> "arn:aws:iam::" + ids.get(x.account()) + ":role/" + x.role()).toList();
            assertThat(resources).as("roles group " + g.name() + " may assume").containsExactlyInAnyOrderElementsOf(expected);
        }
        String allUsers = String.join("\n", groupPolicies(iam, Names.ALL_USERS_GROUP));
        assertThat(allUsers).contains("DenyAllExceptListedIfNoMFA").contains("aws:MultiFactorAuthPresent");
        for (OrgConfig.User u : config.users()) {
            List<String> groups = iam.listGroupsForUser(r -> r.userName(u.name())).groups().stream()
                    .map(x -> x.groupName()).toList();
            assertThat(groups).containsAll(u.groups()).contains(Names.ALL_USERS_GROUP);
        }

        // roles everywhere: trust InfoSec only, with MFA; the configured managed policy
        for (String key : List.of("infosec", "prod", "non-prod", OrgConfig.MANAGEMENT)) {
            IamClient accountIam = iam(clients, ids, ids.get(key));
            for (String role : config.rolesIn(key)) {
                var r = accountIam.getRole(x -> x.roleName(role)).role();
                String trust = URLDecoder.decode(r.assumeRolePolicyDocument(), StandardCharsets.UTF_8);
                assertThat(trust).contains("arn:aws:iam::" + infosec + ":root").contains("aws:MultiFactorAuthPresent");
                assertThat(accountIam.listAttachedRolePolicies(x -> x.roleName(role)).attachedPolicies())
                        .extracting(p -> p.policyArn())
                        .containsExactly("arn:aws:iam::aws:policy/" + config.roles().get(role).policy());
            }
        }

        // issue 10: the same password policy (CIS 1.8/1.9) and S3 Block Public Access for the whole account
        // (CIS 2.1.4) in every account, the management account included
        for (String key : List.of("infosec", "prod", "non-prod", OrgConfig.MANAGEMENT)) {
            String id = ids.get(key);
            PasswordPolicy policy = iam(clients, ids, id).getAccountPasswordPolicy().passwordPolicy();
            assertThat(policy.minimumPasswordLength()).as(key).isEqualTo(config.passwordPolicy().minimumLength());
            assertThat(policy.passwordReusePrevention()).as(key).isEqualTo(24);
            assertThat(policy.requireSymbols() && policy.requireNumbers() && policy.requireUppercaseCharacters()
                    && policy.requireLowercaseCharacters()).as(key).isTrue();
            S3ControlClient control = home.build(S3ControlClient.builder().endpointProvider(S3ControlHost.provider()),
                    access(clients, ids, id));
            var block = control.getPublicAccessBlock(r -> r.accountId(id)).publicAccessBlockConfiguration();
            assertThat(List.of(block.blockPublicAcls(), block.ignorePublicAcls(), block.blockPublicPolicy(),
                    block.restrictPublicBuckets())).as(key).containsOnly(true);
        }
        // issue 10, CIS 7.0 (Prowler config_recorder_all_regions_enabled): AWS Config recording in every
        // account's home region, the management account included, into InfoSec's config bucket
        if (config.recordsConfig()) {
            String configBucket = Names.configBucket(config.organization().name(), infosec);
            assertHardenedBucket(s3, configBucket);
            assertBucketIn(s3, configBucket, home.region());
            for (String key : List.of("infosec", "prod", "non-prod", OrgConfig.MANAGEMENT)) {
                ConfigClient recorder = home.build(ConfigClient.builder(), access(clients, ids, ids.get(key)));
                assertThat(recorder.describeConfigurationRecorderStatus().configurationRecordersStatus())
                        .as(key + ": the recorder is recording").singleElement()
                        .satisfies(st -> assertThat(st.recording()).as(key).isTrue());
                var group = recorder.describeConfigurationRecorders().configurationRecorders().get(0).recordingGroup();
                assertThat(group.allSupported() && group.includeGlobalResourceTypes()).as(key).isTrue();
                assertThat(recorder.describeDeliveryChannels().deliveryChannels()).as(key).singleElement()
                        .satisfies(ch -> assertThat(ch.s3BucketName()).isEqualTo(configBucket));
            }
        }
        // the state bucket's access logs go beside the trail bucket's, and no Palisade bucket uses ACLs
        String logBucket = Names.accessLogBucket(config.organization().name(), infosec);
        var stateLogs = s3.getBucketLogging(r -> r.bucket(stateBucket)).loggingEnabled();
        assertThat(stateLogs.targetBucket()).isEqualTo(logBucket);
        assertThat(stateLogs.targetPrefix()).isEqualTo("state-bucket/");
        assertThat(s3.getBucketOwnershipControls(r -> r.bucket(logBucket)).ownershipControls().rules())
                .extracting(rule -> rule.objectOwnershipAsString()).containsExactly("BucketOwnerEnforced");

        // CloudTrail everywhere into the central bucket; root-usage alarms and rules
        String trailBucket = Names.trailBucket(config.organization().name(), infosec);
        assertHardenedBucket(s3, trailBucket);
        assertBucketIn(s3, trailBucket, home.region());
        assertBucketIn(s3, Names.accessLogBucket(config.organization().name(), infosec), home.region());
        String trailPolicy = s3.getBucketPolicy(r -> r.bucket(trailBucket)).policy();
        // the trails' key: in InfoSec, in the home region
        KmsClient kms = home.build(KmsClient.builder(), access(clients, ids, infosec));
        String keyArn = kms.describeKey(r -> r.keyId(Names.TRAIL_KEY_ALIAS)).keyMetadata().arn();
        assertThat(keyArn).startsWith("arn:aws:kms:" + region + ":" + infosec + ":key/");
        for (String key : List.of("infosec", "prod", "non-prod", OrgConfig.MANAGEMENT)) {
            String id = ids.get(key);
            // CloudTrail may write for each account's palisade-trail: the account by aws:SourceAccount
            assertThat(trailPolicy).contains("\"" + id + "\"")
                    .contains("arn:aws:cloudtrail:" + region + ":*:trail/palisade-trail").contains("/AWSLogs/*");
            CloudTrailClient ct = home.build(CloudTrailClient.builder(), access(clients, ids, id));
            var trail = ct.getTrail(r -> r.name(Names.TRAIL)).trail();
            // GetTrail leaves HomeRegion out in moto; DescribeTrails (this region's own trails) has it
            assertThat(ct.describeTrails(r -> r.includeShadowTrails(false)).trailList())
                    .filteredOn(t -> Names.TRAIL.equals(t.name()))
                    .singleElement().satisfies(t -> assertThat(t.homeRegion()).isEqualTo(region));
            assertThat(trail.trailARN()).startsWith("arn:aws:cloudtrail:" + region + ":" + id + ":");
            assertThat(trail.s3BucketName()).isEqualTo(trailBucket);
            assertThat(trail.isMultiRegionTrail()).isTrue();
            assertThat(trail.logFileValidationEnabled()).isTrue();
            assertThat(trail.includeGlobalServiceEvents()).isTrue();
            assertThat(trail.cloudWatchLogsLogGroupArn())
                    .isEqualTo("arn:aws:logs:" + region + ":" + id + ":log-group:palisade/cloudtrail:*");
            assertThat(ct.getTrailStatus(r -> r.name(Names.TRAIL)).isLogging()).isTrue();
            // CIS 3.8/3.9: S3 object-level reads and writes recorded, management events still recorded
            assertThat(ct.getEventSelectors(r -> r.trailName(Names.TRAIL)).advancedEventSelectors())
                    .as("event selectors of " + key).anySatisfy(sel -> assertThat(sel.fieldSelectors().toString())
                            .contains("Management"))
                    .anySatisfy(sel -> assertThat(sel.fieldSelectors().toString()).contains("AWS::S3::Object")
                            .contains("Data"));

            CloudWatchLogsClient logs = home.build(CloudWatchLogsClient.builder(), access(clients, ids, id));
            var filters = logs.describeMetricFilters(r -> r.logGroupName(Names.LOG_GROUP)).metricFilters();
            assertThat(CisMonitoring.ROOT_USAGE.pattern()).isEqualTo(ROOT_PATTERN);
            // every CIS monitoring filter, its pattern exactly the table's, and its alarm into the account's topic
            assertThat(filters).extracting(f -> f.filterName() + " " + f.filterPattern()).as(key)
                    .containsExactlyInAnyOrderElementsOf(CisMonitoring.FILTERS.stream()
                            .map(f -> f.name() + " " + f.pattern()).toList());
            CloudWatchClient cw = home.build(CloudWatchClient.builder(), access(clients, ids, id));
            String topic = "arn:aws:sns:" + region + ":" + id + ":palisade-root-alerts";
            List<MetricAlarm> alarms = cw.describeAlarms(r -> r.alarmNames(CisMonitoring.alarmNames())).metricAlarms();
            assertThat(alarms).extracting(MetricAlarm::alarmName).as(key)
                    .containsExactlyInAnyOrderElementsOf(CisMonitoring.alarmNames());
            for (CisMonitoring.Filter f : CisMonitoring.FILTERS) {
                MetricAlarm alarm = alarms.stream().filter(a -> a.alarmName().equals(f.name())).findFirst().orElseThrow();
                assertThat(alarm.metricName()).isEqualTo(f.metric());
                assertThat(alarm.namespace()).isEqualTo(CisMonitoring.NAMESPACE);
                assertThat(alarm.statisticAsString()).isEqualTo("Sum");
                assertThat(alarm.threshold()).isEqualTo(1.0);
                assertThat(alarm.period()).isEqualTo(300);
                assertThat(alarm.comparisonOperatorAsString()).isEqualTo("GreaterThanOrEqualToThreshold");
                assertThat(alarm.alarmActions()).containsExactly(topic);
            }
            // the log group and the topic encrypted with the account's own monitoring key
            String monitoringKey = home.build(KmsClient.builder(), access(clients, ids, id))
                    .describeKey(r -> r.keyId("alias/palisade-monitoring")).keyMetadata().arn();
            assertThat(monitoringKey).startsWith("arn:aws:kms:" + region + ":" + id + ":key/");
            assertThat(logs.describeLogGroups(r -> r.logGroupNamePrefix(Names.LOG_GROUP)).logGroups())
                    .singleElement().satisfies(g -> assertThat(g.kmsKeyId()).isEqualTo(monitoringKey));
            assertThat(home.build(SnsClient.builder(), access(clients, ids, id)).getTopicAttributes(r -> r.topicArn(topic))
                    .attributes().get("KmsMasterKeyId")).isEqualTo(monitoringKey);
            assertRootActivityRule(home, access(clients, ids, id), config, topic);
            if (key.equals(OrgConfig.MANAGEMENT)) {
                // only the management account can call sts:AssumeRoot: its root sessions are alerted on there
                EventBridgeClient events = home.build(EventBridgeClient.builder(), access(clients, ids, id));
                assertThat(events.describeRule(r -> r.name("palisade-assume-root")).eventPattern())
                        .contains("\"AssumeRoot\"").contains("sts.amazonaws.com");
                assertThat(events.listTargetsByRule(r -> r.rule("palisade-assume-root")).targets())
                        .extracting(t -> t.arn()).containsExactly(topic);
            }
            if (!region.equals("us-east-1")) {
                // root console sign-ins are recorded in us-east-1 only: the rule and its topic there too
                assertRootActivityRule(clients.inRegion(Region.US_EAST_1), access(clients, ids, id), config,
                        "arn:aws:sns:us-east-1:" + id + ":palisade-root-alerts");
            }
        }

        if (config.securityHubEnabled()) {
            assertSecurityHub(clients, config, ids);
        }
        assertNoTempAdmin(clients, ids);
        return ids;
    }

    /**
     * Security Hub CSPM (issue 10, Prowler's securityhub_enabled): InfoSec is the organization's
     * administrator with auto-enable on; every account's hub is on with the CIS v3.0.0 standard;
     * every other account is an enabled member of InfoSec's.
     */
    static void assertSecurityHub(Clients clients, OrgConfig config, Map<String, String> ids) {
        Clients home = clients.inHomeRegion(config);
        String region = home.region().id();
        String infosec = ids.get(config.identityAccount());
        String cis = "arn:aws:securityhub:" + region + "::standards/cis-aws-foundations-benchmark/v/3.0.0";
        SecurityHubClient management = home.build(SecurityHubClient.builder(),
                access(clients, ids, ids.get(OrgConfig.MANAGEMENT)));
        assertThat(management.listOrganizationAdminAccounts(r -> {}).adminAccounts())
                .extracting(a -> a.accountId()).containsExactly(infosec);
        for (String id : ids.values()) {
            SecurityHubClient hub = home.build(SecurityHubClient.builder(), access(clients, ids, id));
            assertThat(hub.describeHub(r -> {}).hubArn()).isEqualTo("arn:aws:securityhub:" + region + ":" + id
                    + ":hub/default");
            assertThat(hub.getEnabledStandards(r -> {}).standardsSubscriptions())
                    .filteredOn(s -> s.standardsArn().equals(cis)).singleElement()
                    .satisfies(s -> assertThat(s.standardsStatusAsString()).isIn("PENDING", "READY"));
        }
        SecurityHubClient admin = home.build(SecurityHubClient.builder(), access(clients, ids, infosec));
        assertThat(admin.describeOrganizationConfiguration(r -> {}).autoEnable()).isTrue();
        assertThat(admin.listMembers(r -> r.onlyAssociated(false)).members())
                .filteredOn(m -> "enabled".equalsIgnoreCase(m.memberStatus())).extracting(m -> m.accountId())
                .containsExactlyInAnyOrderElementsOf(ids.values().stream().filter(id -> !id.equals(infosec)).toList());
    }

    /**
     * The guardrails at the organization's root (issue 10): an SCP that denies
     * cloudtrail:StopLogging on Palisade's trail to all but Palisade's roles, and the RCP on
     * Palisade's buckets. moto stores and attaches them; it does not evaluate them.
     */
    static void assertGuardrails(Clients clients, OrgConfig config) {
        OrganizationsClient organizations = clients.build(OrganizationsClient.builder());
        String root = organizations.listRoots().roots().get(0).id();
        String trail = "arn:" + clients.partition() + ":cloudtrail:*:*:trail/" + Names.TRAIL;
        List<String> scps = new ArrayList<>();
        organizations.listPoliciesForTargetPaginator(r -> r.targetId(root).filter("SERVICE_CONTROL_POLICY"))
                .forEach(page -> page.policies().stream()
                        .filter(p -> p.name().equals(Names.guardrailsPolicy(config.organization().name())))
                        .forEach(p -> scps.add(p.id())));
        assertThat(scps).as("this organization's guardrails SCP at the root").hasSize(1);
        List<JsonNode> denyingStopLogging = new ArrayList<>();
        for (String id : scps) {
            JsonNode doc = Json.read(organizations.describePolicy(r -> r.policyId(id)).policy().content(),
                    JsonNode.class);
            doc.path("Statement").forEach(s -> {
                if ("Deny".equals(s.path("Effect").asText()) && s.path("Action").toString()
                        .contains("\"cloudtrail:StopLogging\"") && trail.equals(s.path("Resource").asText())) {
                    denyingStopLogging.add(s);
                }
            });
        }
        assertThat(denyingStopLogging).as("an SCP at the root denies cloudtrail:StopLogging on " + trail)
                .isNotEmpty();
        assertThat(denyingStopLogging.get(0).at("/Condition/ArnNotLike/aws:PrincipalArn").toString())
                .contains("role/" + Names.BOOTSTRAP_ROLE, "role/" + Names.ORGANIZATION_ACCESS_ROLE);
        List<String> rcps = new ArrayList<>();
        organizations.listPoliciesForTargetPaginator(r -> r.targetId(root).filter("RESOURCE_CONTROL_POLICY"))
                .forEach(page -> page.policies().forEach(p -> rcps.add(p.name())));
        assertThat(rcps).contains(Names.dataPerimeterPolicy(config.organization().name()));
    }

    /**
     * The config's accounts, each found by its email in the organization, exactly once (a lost
     * CreateAccount answer must never make a second), and the management account; by key.
     */
    static Map<String, String> accountIds(Clients clients, OrgConfig config) {
        OrganizationsClient orgs = clients.build(OrganizationsClient.builder());
        List<Account> all = new ArrayList<>();
        orgs.listAccountsPaginator(r -> {}).forEach(p -> all.addAll(p.accounts()));
        Map<String, String> ids = new HashMap<>();
        for (OrgConfig.Account a : config.accounts()) {
            List<Account> matches = all.stream().filter(x -> x.email().equals(a.email())).toList();
            assertThat(matches).as("accounts with email " + a.email()).hasSize(1);
            ids.put(a.key(), matches.get(0).id());
        }
        ids.put(OrgConfig.MANAGEMENT, orgs.describeOrganization().organization().masterAccountId());
        return ids;
    }

    /** No temp-admin user in InfoSec, no bootstrap role in any of the accounts, no secret. */
    static void assertNoTempAdmin(Clients clients, Map<String, String> ids) {
        IamClient iam = iam(clients, ids, ids.get("infosec"));
        assertThat(iam.listUsers().users()).extracting(u -> u.userName()).doesNotContain(Names.TEMP_ADMIN_USER);
        for (String id : ids.values()) {
            IamClient accountIam = iam(clients, ids, id);
            try {
                accountIam.getRole(r -> r.roleName(Names.BOOTSTRAP_ROLE));
                throw new AssertionError("PalisadeBootstrap role left in " + id);
            } catch (NoSuchEntityException expected) {
                // removed
            }
        }
        SecretsManagerClient secrets = clients.build(SecretsManagerClient.builder());
        assertThat(secrets.listSecrets().secretList()).extracting(s -> s.name()).doesNotContain(Names.TEMP_ADMIN_SECRET);
    }

    /** The topic (subscribed by the configured addresses) and the root-activity rule targeting it, in one region. */
    static void assertRootActivityRule(Clients in, AwsCredentialsProvider access, OrgConfig config, String topic) {
        SnsClient sns = in.build(SnsClient.builder(), access);
        assertThat(sns.listSubscriptionsByTopic(r -> r.topicArn(topic)).subscriptions())
                .extracting(x -> x.endpoint()).containsExactlyElementsOf(config.alerts().emails());
        EventBridgeClient events = in.build(EventBridgeClient.builder(), access);
        assertThat(events.describeRule(r -> r.name(Names.ROOT_ACTIVITY_RULE)).eventPattern())
                .contains("AWS Console Sign In via CloudTrail").contains("Root");
        assertThat(events.listTargetsByRule(r -> r.rule(Names.ROOT_ACTIVITY_RULE)).targets())
                .extracting(t -> t.arn()).as("rule targets in " + in.region()).containsExactly(topic);
    }

    /** S3 answers no location constraint (empty or absent) for us-east-1, the region's name elsewhere. */
    static void assertBucketIn(S3Client s3, String bucket, Region region) {
        String location = s3.getBucketLocation(r -> r.bucket(bucket)).locationConstraintAsString();
        if (Region.US_EAST_1.equals(region)) {
            assertThat(location).as("location of " + bucket).isIn(null, "", "us-east-1", "null");
        } else {
            assertThat(location).as("location of " + bucket).isEqualTo(region.id());
        }
    }

    static void assertHardenedBucket(S3Client s3, String bucket) {
        assertThat(s3.getBucketVersioning(r -> r.bucket(bucket)).statusAsString()).isEqualTo("Enabled");
        assertThat(s3.getBucketEncryption(r -> r.bucket(bucket)).serverSideEncryptionConfiguration().rules())
                .isNotEmpty();
        var pab = s3.getPublicAccessBlock(r -> r.bucket(bucket)).publicAccessBlockConfiguration();
        assertThat(pab.blockPublicAcls() && pab.ignorePublicAcls() && pab.blockPublicPolicy()
                && pab.restrictPublicBuckets()).isTrue();
        assertThat(s3.getBucketPolicy(r -> r.bucket(bucket)).policy()).contains("aws:SecureTransport");
        assertThat(s3.getBucketOwnershipControls(r -> r.bucket(bucket)).ownershipControls().rules())
                .extracting(rule -> rule.objectOwnershipAsString()).containsExactly("BucketOwnerEnforced");
    }

    static List<String> assumableRoles(IamClient iam, String group) {
        List<String> out = new ArrayList<>();
        for (String doc : groupPolicies(iam, group)) {
            JsonNode policy = Json.read(doc, JsonNode.class);
            for (JsonNode st : policy.path("Statement")) {
                if (st.path("Action").asText().equals("sts:AssumeRole")) {
                    JsonNode res = st.path("Resource");
                    if (res.isArray()) {
                        res.forEach(x -> out.add(x.asText()));
                    } else {
                        out.add(res.asText());
                    }
                }
            }
        }
        return out;
    }

    static List<String> groupPolicies(IamClient iam, String group) {
        return iam.listGroupPolicies(r -> r.groupName(group)).policyNames().stream()
                .map(n -> URLDecoder.decode(iam.getGroupPolicy(r -> r.groupName(group).policyName(n)).policyDocument(),
                        StandardCharsets.UTF_8))
                .toList();
    }

    static AwsCredentialsProvider access(Clients clients, Map<String, String> ids, String accountId) {
        return OrganizationAccess.organizationAccess(clients, ids.get(OrgConfig.MANAGEMENT)).in(accountId);
    }

    static IamClient iam(Clients clients, Map<String, String> ids, String accountId) {
        return clients.cached("e2e-iam|" + accountId,
                () -> clients.build(IamClient.builder(), access(clients, ids, accountId)));
    }
}
