package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.palisade.applyaccounts.AccountReport;
import io.palisade.applyaccounts.ApplyAccounts;
import io.palisade.common.Names;
import io.palisade.common.aws.AccountAccess;
import io.palisade.common.aws.AuditAccess;
import io.palisade.common.aws.AnalyzerDelegationSurvey;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import io.palisade.common.testkit.MotoRecorder;
import io.palisade.rootloginalarms.AlarmReport;
import io.palisade.rootloginalarms.CisMonitoring;
import io.palisade.rootloginalarms.RootLoginAlarms;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * A whole plan against the emulated organization (moto), as the state machine's plan path runs
 * it: PlanAccounts, then apply-accounts and root-login-alarms for each target in plan mode.
 */
class PlanAccountsIT {
    private static final List<String> AUDITORS = List.of("PalisadeApplyAccounts", "PalisadeRootLoginAlarms");

    /** Everything a plan returned, in the order the phases ran. */
    private record Planned(RunState.Org org, List<String> lines) {}

    private static Planned planAll(Clients clients, OrgConfig config) {
        OrganizationsClient organizations = clients.build(OrganizationsClient.builder());
        RunState.Org org = new PlanAccounts(clients, organizations, clients.build(StsClient.builder()), null,
                new AnalyzerDelegationSurvey(organizations)).plan(new RunState(RunState.PLAN, config, null,
                new RunState.Run("it", null), null, null, null, null, null, null, null));
        // plan-only tasks read through the audit role (own role in the management account), as on AWS
        Function<AccountTask, AccountAccess> access = task -> AuditAccess.auditRole(clients, task.managementAccountId());
        ApplyAccounts apply = new ApplyAccounts(clients, access, AUDITORS);
        RootLoginAlarms alarms = new RootLoginAlarms(clients, access);
        List<String> lines = new ArrayList<>(org.changes());
        for (RunState.Target target : org.targets()) {
            AccountTask task = new AccountTask(target, config, org, null, new RunState.Run("it", null),
                    RunState.PLAN, null);
            AccountReport report = apply.planReport(task);
            lines.addAll(report.changes());
        }
        for (RunState.Target target : org.targets()) {
            AlarmReport report = alarms.report(new AccountTask(target, config, org, null,
                    new RunState.Run("it", null), RunState.PLAN, null));
            assertThat(report.applied()).isFalse();
            lines.addAll(report.changes());
        }
        return new Planned(org, lines);
    }

    /**
     * A standalone account (in no organization): a member account the emulated organization
     * creates, then removes; its access role (moto gives it AdministratorAccess) stays.
     */
    private static String standaloneAccount(Clients clients) {
        OrganizationsClient organizations = clients.build(OrganizationsClient.builder());
        try {
            organizations.describeOrganization();
        } catch (AwsOrganizationsNotInUseException e) {
            organizations.createOrganization(r -> r.featureSet("ALL"));
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String id = organizations.createAccount(r -> r.accountName("Standalone " + tag)
                .email("standalone-" + tag + "@example.com")).createAccountStatus().accountId();
        organizations.removeAccountFromOrganization(r -> r.accountId(id));
        return id;
    }

    @Test
    void plan_whenNoOrganizationExists_expectedEveryAccountAndResourceAsCreateAndNoChangingCall() throws Exception {
        Clients root = Emulator.clients();
        String standalone = standaloneAccount(root);
        // the standalone account's own (admin) credentials: a bootstrap's management account before its first run
        Clients clients = Emulator.as(root, standalone, Names.ORGANIZATION_ACCESS_ROLE);
        String key = clients.baseCredentials().resolveCredentials().accessKeyId();
        OrgConfig config = Emulator.config("pa" + UUID.randomUUID().toString().substring(0, 8));
        MotoRecorder recorder = new MotoRecorder();

        recorder.start();
        Planned planned = planAll(clients, config);
        List<MotoRecorder.Call> calls = recorder.stop().stream().filter(c -> key.equals(c.accessKey())).toList();

        RunState.Org org = planned.org();
        assertThat(org.ready()).isTrue();
        assertThat(org.organizationId()).isNull();
        assertThat(org.managementAccountId()).isEqualTo(standalone);
        assertThat(org.targets()).extracting(RunState.Target::key, RunState.Target::accountId).containsExactly(
                tuple("infosec", null),
                tuple("prod", null),
                tuple("non-prod", null),
                tuple(OrgConfig.MANAGEMENT, standalone));
        assertThat(planned.lines()).allSatisfy(line -> assertThat(line).startsWith("+ "));
        assertThat(planned.lines()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(expected(config, standalone));
        assertThat(calls).as("the plan read the standalone account").isNotEmpty();
        assertThat(calls).filteredOn(MotoRecorder.Call::changes).as("moto's recorder: changing calls").isEmpty();
        assertThat(clients.calls().drain()).isEmpty();
    }

    @Test
    void plan_whenTheOrganizationHasEveryAccount_expectedTheirIdsAndNoAccountToCreate() {
        Clients clients = Emulator.clients();
        OrgConfig config = Emulator.config("pb" + UUID.randomUUID().toString().substring(0, 8));
        RunState.Org existing = Emulator.accounts(clients, config);

        RunState.Org org = new PlanAccounts(clients, clients.build(OrganizationsClient.builder()),
                clients.build(StsClient.builder())).plan(new RunState(RunState.PLAN, config, null, null, null, null,
                null, null, null, null, null));

        assertThat(org.ready()).isTrue();
        assertThat(org.organizationId()).isEqualTo(existing.organizationId());
        assertThat(org.managementAccountId()).isEqualTo(existing.managementAccountId());
        assertThat(org.targets()).isEqualTo(existing.targets());
        assertThat(org.identity()).isEqualTo(existing.identity());
        assertThat(org.members()).isEqualTo(existing.members());
        assertThat(org.accounts()).extracting(a -> a.status()).containsOnly("EXISTING");
        // the accounts were made directly, not by a bootstrap: only this config's guardrails are missing
        String name = config.organization().name();
        assertThat(org.changes()).allSatisfy(c -> assertThat(c).matches("\\+ organizations:(policy|policy-attachment"
                + "|policy-type) .*")).contains("+ organizations:policy " + Names.guardrailsPolicy(name),
                "+ organizations:policy " + Names.dataPerimeterPolicy(name));
    }

    /**
     * What a bootstrap would make for {@link Emulator#config} from the standalone account
     * {@code management}, one line each.
     */
    private static List<String> expected(OrgConfig config, String management) {
        String org = config.organization().name();
        String bucket = Names.trailBucket(org, "<infosec id>");
        String logBucket = Names.accessLogBucket(org, "<infosec id>");
        String stateBucket = Names.stateBucket(org, "<infosec id>");
        String configBucket = Names.configBucket(org, "<infosec id>");
        List<String> lines = new ArrayList<>(List.of(
                "+ organizations:organization ALL",
                // the guardrails at the root (no root yet to name)
                "+ organizations:policy " + Names.guardrailsPolicy(org),
                "+ organizations:policy-attachment root/" + Names.guardrailsPolicy(org),
                "+ organizations:policy " + Names.dataPerimeterPolicy(org),
                "+ organizations:policy-attachment root/" + Names.dataPerimeterPolicy(org),
                // the organization's Access Analyzer, delegated to InfoSec, and its analyzer there
                "+ organizations:trusted-access " + Names.ACCESS_ANALYZER_PRINCIPAL,
                "+ organizations:delegated-administrator " + Names.ACCESS_ANALYZER_PRINCIPAL + "/infosec",
                "+ access-analyzer:analyzer infosec/" + Names.organizationAnalyzer(org),
                "+ organizations:account infosec",
                "+ organizations:account prod",
                "+ organizations:account non-prod",
                // the identity account: its people, the trail's bucket and key, its roles, its trail
                "+ iam:account-alias infosec/" + config.aliasOf("infosec"),
                "+ iam:password-policy infosec",
                "+ s3:account-public-access-block infosec",
                // Security Hub: InfoSec does not exist yet, so all of its part is a create
                "+ securityhub:hub infosec",
                "+ securityhub:standard infosec/cis-aws-foundations-benchmark/v/3.0.0",
                "+ securityhub:organization-configuration infosec",
                "+ securityhub:member infosec/prod",
                "+ securityhub:member infosec/non-prod",
                "+ securityhub:member infosec/management",
                "+ iam:group infosec/" + Names.ALL_USERS_GROUP,
                "+ iam:group infosec/InfosecAdmins",
                "+ iam:group infosec/ProdAdmins",
                "+ iam:group infosec/NonProdAdmins",
                "+ iam:group infosec/ProdDevelopers",
                "+ iam:group infosec/NonProdDevelopers",
                "+ iam:group infosec/MasterBilling",
                "+ iam:group infosec/SupportTeam",
                "+ iam:group infosec/SecurityAuditors",
                "+ iam:user infosec/ExampleAdmin",
                "+ iam:user infosec/ExampleDeveloper",
                "+ iam:user infosec/ExampleBilling",
                "+ iam:group-membership infosec/" + Names.ALL_USERS_GROUP + " ExampleAdmin",
                "+ iam:group-membership infosec/" + Names.ALL_USERS_GROUP + " ExampleBilling",
                "+ iam:group-membership infosec/" + Names.ALL_USERS_GROUP + " ExampleDeveloper",
                "+ iam:group-membership infosec/InfosecAdmins ExampleAdmin",
                "+ iam:group-membership infosec/ProdAdmins ExampleAdmin",
                "+ iam:group-membership infosec/NonProdAdmins ExampleAdmin",
                "+ iam:group-membership infosec/ProdDevelopers ExampleDeveloper",
                "+ iam:group-membership infosec/NonProdDevelopers ExampleDeveloper",
                "+ iam:group-membership infosec/MasterBilling ExampleBilling",
                "+ s3:bucket infosec/" + logBucket,
                "+ s3:bucket infosec/" + bucket,
                "+ s3:bucket-logging infosec/" + bucket,
                "+ s3:bucket infosec/" + stateBucket,
                "+ s3:bucket-logging infosec/" + stateBucket,
                "+ s3:bucket infosec/" + configBucket,
                "+ s3:bucket-logging infosec/" + configBucket,
                "+ kms:key infosec/" + Names.TRAIL_KEY_ALIAS,
                "+ iam:role infosec/Administrator",
                "+ iam:role infosec/Support",
                "+ iam:role infosec/SecurityAudit",
                "+ iam:role infosec/" + Names.AUDIT_ROLE,
                "+ cloudtrail:trail infosec/" + Names.TRAIL,
                "+ cloudtrail:event-selectors infosec/" + Names.TRAIL,
                // the other members
                "+ iam:account-alias prod/" + config.aliasOf("prod"),
                "+ iam:password-policy prod",
                "+ s3:account-public-access-block prod",
                "+ securityhub:hub prod",
                "+ securityhub:standard prod/cis-aws-foundations-benchmark/v/3.0.0",
                "+ iam:role prod/Administrator",
                "+ iam:role prod/Developer",
                "+ iam:role prod/Support",
                "+ iam:role prod/SecurityAudit",
                "+ iam:role prod/" + Names.AUDIT_ROLE,
                "+ cloudtrail:trail prod/" + Names.TRAIL,
                "+ cloudtrail:event-selectors prod/" + Names.TRAIL,
                "+ iam:account-alias non-prod/" + config.aliasOf("non-prod"),
                "+ iam:password-policy non-prod",
                "+ s3:account-public-access-block non-prod",
                "+ securityhub:hub non-prod",
                "+ securityhub:standard non-prod/cis-aws-foundations-benchmark/v/3.0.0",
                "+ iam:role non-prod/Administrator",
                "+ iam:role non-prod/Developer",
                "+ iam:role non-prod/Support",
                "+ iam:role non-prod/SecurityAudit",
                "+ iam:role non-prod/" + Names.AUDIT_ROLE,
                "+ cloudtrail:trail non-prod/" + Names.TRAIL,
                "+ cloudtrail:event-selectors non-prod/" + Names.TRAIL,
                // the management account (the standalone one): no alias, no audit role
                "+ iam:password-policy management",
                "+ s3:account-public-access-block management",
                "+ securityhub:standard management/cis-aws-foundations-benchmark/v/3.0.0",
                "+ iam:role management/Billing",
                "+ iam:role management/Support",
                "+ iam:role management/SecurityAudit",
                "+ cloudtrail:trail management/" + Names.TRAIL,
                "+ cloudtrail:event-selectors management/" + Names.TRAIL));
        // AWS Config, in every account
        for (String key : List.of("infosec", "prod", "non-prod", OrgConfig.MANAGEMENT)) {
            lines.addAll(List.of(
                    "+ iam:service-linked-role " + key + "/" + Names.CONFIG_SERVICE_ROLE,
                    "+ config:recorder " + key + "/" + Names.CONFIG_RECORDER,
                    "+ config:delivery-channel " + key + "/" + Names.CONFIG_DELIVERY_CHANNEL));
        }
        // root-login alarms, in every account
        for (String key : List.of("infosec", "prod", "non-prod", OrgConfig.MANAGEMENT)) {
            // an account that does not exist yet is named by its placeholder id
            String id = key.equals(OrgConfig.MANAGEMENT) ? management : "<" + key + " id>";
            lines.addAll(List.of(
                    "+ kms:key " + key + "/alias/palisade-monitoring",
                    "+ logs:log-group " + key + "/" + Names.LOG_GROUP,
                    "+ iam:role " + key + "/" + Names.DELIVERY_ROLE,
                    "+ iam:role-policy " + key + "/" + Names.DELIVERY_ROLE + "/" + Names.DELIVERY_POLICY,
                    "+ sns:topic " + key + "/" + Names.ROOT_ALERTS_TOPIC,
                    "+ sns:subscription " + key + "/" + Names.ROOT_ALERTS_TOPIC + "/security@example.com"));
            // the CIS monitoring set: a filter and an alarm each
            for (CisMonitoring.Filter f : CisMonitoring.FILTERS) {
                lines.add("+ logs:metric-filter " + key + "/" + f.name());
                lines.add("+ cloudwatch:alarm " + key + "/" + f.name());
            }
            lines.addAll(List.of(
                    "+ events:rule " + key + "/" + Names.ROOT_ACTIVITY_RULE,
                    "+ events:target " + key + "/" + Names.ROOT_ACTIVITY_RULE + "/" + Names.ROOT_ACTIVITY_TARGET_ID));
            // the settings of the trail apply-accounts would create
            lines.add("+ cloudtrail:trail " + key + "/" + Names.TRAIL + " cloudWatchLogsLogGroupArn: expected "
                    + "\"arn:aws:logs:us-east-1:" + id + ":log-group:" + Names.LOG_GROUP + ":*\" actual null");
            lines.add("+ cloudtrail:trail " + key + "/" + Names.TRAIL + " cloudWatchLogsRoleArn: expected "
                    + "\"arn:aws:iam::" + id + ":role/" + Names.DELIVERY_ROLE + "\" actual null");
        }
        // the management account's alarm on sts:AssumeRoot (privileged root sessions)
        lines.add("+ events:rule management/palisade-assume-root");
        lines.add("+ events:target management/palisade-assume-root/palisade-root-alerts");
        return lines;
    }
}
