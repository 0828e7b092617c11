package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.aws.AnalyzerDelegation;
import io.palisade.common.testkit.Emulator;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.config.ConfigClient;
import software.amazon.awssdk.services.config.model.ConfigurationRecorder;
import software.amazon.awssdk.services.config.model.DeliveryChannel;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.LoggingEnabled;

/**
 * Issue 10, CIS AWS Foundations 7.0 (Prowler {@code config_recorder_all_regions_enabled}): AWS Config
 * records in every account's home region, management account included, into the identity
 * account's config bucket; a plan reports what is missing and changes nothing; a re-run changes nothing.
 */
class ConfigRecordingIT {
    private Clients clients;
    private OrgConfig config;
    private RunState.Org org;
    private ApplyAccounts phase;

    @BeforeEach
    void organization() {
        clients = Emulator.clients();
        config = Emulator.config("cr" + UUID.randomUUID().toString().substring(0, 8));
        org = Emulator.accounts(clients, config);
        // as CreateAccounts does before: the identity account may make the organization's analyzer
        new AnalyzerDelegation(clients.build(OrganizationsClient.builder()))
                .apply(org.identity().accountId(), config.identityAccount());
        // and the management account's Security Hub (SecurityHubAdmin, in CreateAccounts)
        SecurityHubIT.managementHubOn(clients, org.managementAccountId());
        phase = new ApplyAccounts(clients, task -> Emulator.orgAccess(clients));
    }

    private Map<String, AccountReport> run(OrgConfig withConfig, String mode) {
        Map<String, AccountReport> reports = new LinkedHashMap<>();
        for (RunState.Target target : org.targets()) {
            AccountTask task = new AccountTask(target, withConfig, org, new RunState.TempAdmin(null, null, null, null,
                    null), new RunState.Run("it", null), mode, null);
            reports.put(target.key(), mode.equals(AccountTask.PLAN) ? phase.planReport(task) : phase.apply(task));
        }
        return reports;
    }

    private ConfigClient configIn(String accountId) {
        return clients.build(ConfigClient.builder(), Emulator.orgAccess(clients, accountId));
    }

    private String identityId() {
        return org.targets().stream().filter(t -> t.key().equals(config.identityAccount())).findFirst().orElseThrow()
                .accountId();
    }

    @Test
    void plan_whenFresh_reportsRecorderAndChannelInEveryNewAccountAndMakesNone() {
        Map<String, AccountReport> planned = run(config, AccountTask.PLAN);

        // the management account is the emulator's, shared by every test: only the new accounts are fresh
        for (RunState.Target t : org.targets()) {
            if (t.key().equals(OrgConfig.MANAGEMENT)) {
                continue;
            }
            assertThat(planned.get(t.key()).changes()).as(t.key()).contains(
                    "+ config:recorder " + t.key() + "/" + Names.CONFIG_RECORDER,
                    "+ config:delivery-channel " + t.key() + "/" + Names.CONFIG_DELIVERY_CHANNEL);
            assertThat(configIn(t.accountId()).describeConfigurationRecorders().configurationRecorders())
                    .as(t.key()).isEmpty();
        }
        assertThat(planned.get("infosec").changes()).contains("+ s3:bucket infosec/"
                + Names.configBucket(config.organization().name(), identityId()));
    }

    @Test
    void apply_whenFresh_recordsEverywhereIntoTheConfigBucket_andReRunChangesNothing() {
        run(config, RunState.BOOTSTRAP);

        String bucket = Names.configBucket(config.organization().name(), identityId());
        for (RunState.Target t : org.targets()) {
            String key = t.key();
            ConfigClient cfg = configIn(t.accountId());
            ConfigurationRecorder recorder = cfg.describeConfigurationRecorders().configurationRecorders().get(0);
            assertThat(recorder.roleARN()).as(key).isEqualTo(Names.configServiceRoleArn("aws", t.accountId()));
            assertThat(recorder.recordingGroup().allSupported()).as(key).isTrue();
            assertThat(recorder.recordingGroup().includeGlobalResourceTypes()).as(key).isTrue();
            assertThat(cfg.describeConfigurationRecorderStatus().configurationRecordersStatus().get(0).recording())
                    .as(key).isTrue();
            DeliveryChannel channel = cfg.describeDeliveryChannels().deliveryChannels().get(0);
            assertThat(channel.s3BucketName()).as(key).isEqualTo(bucket);
            IamClient iam = clients.build(IamClient.builder(), Emulator.orgAccess(clients, t.accountId()));
            assertThat(iam.getRole(r -> r.roleName(Names.CONFIG_SERVICE_ROLE)).role().arn()).as(key)
                    .isEqualTo(Names.configServiceRoleArn("aws", t.accountId()));
        }
        // the central bucket: AWS Config may deliver for the organization's accounts, access-logged, ACLs off
        S3Client s3 = clients.s3(Emulator.orgAccess(clients, identityId()));
        JsonNode policy = Json.read(s3.getBucketPolicy(r -> r.bucket(bucket)).policy(), JsonNode.class);
        assertThat(policy.findValuesAsText("Sid")).contains("AWSConfigBucketPermissionsCheck",
                "AWSConfigBucketExistenceCheck", "AWSConfigBucketDelivery");
        assertThat(policy.toString()).contains(org.targets().stream().map(RunState.Target::accountId).toList()
                .toArray(String[]::new));
        LoggingEnabled logs = s3.getBucketLogging(r -> r.bucket(bucket)).loggingEnabled();
        assertThat(logs.targetPrefix()).isEqualTo(ApplyAccounts.CONFIG_ACCESS_LOG_PREFIX);
        assertThat(s3.getBucketOwnershipControls(r -> r.bucket(bucket)).ownershipControls().rules().get(0)
                .objectOwnershipAsString()).isEqualTo("BucketOwnerEnforced");

        run(config, RunState.BOOTSTRAP).forEach((k, report) -> assertThat(report.changes()).as(k).isEmpty());
        run(config, AccountTask.PLAN).forEach((k, report) -> assertThat(report.changes()).as(k).isEmpty());
    }

    @Test
    void plan_whenARecorderWasStopped_reportsItWithoutStarting_andApplyStartsIt() {
        run(config, RunState.BOOTSTRAP);
        String prod = org.targets().stream().filter(t -> t.key().equals("prod")).findFirst().orElseThrow().accountId();
        ConfigClient cfg = configIn(prod);
        cfg.stopConfigurationRecorder(r -> r.configurationRecorderName(Names.CONFIG_RECORDER));
        String stopped = "~ config:recorder prod/default recording: expected true actual false";

        assertThat(run(config, AccountTask.PLAN).get("prod").changes()).containsExactly(stopped);
        assertThat(cfg.describeConfigurationRecorderStatus().configurationRecordersStatus().get(0).recording())
                .isFalse();

        assertThat(run(config, RunState.BOOTSTRAP).get("prod").changes()).containsExactly(stopped);
        assertThat(cfg.describeConfigurationRecorderStatus().configurationRecordersStatus().get(0).recording())
                .isTrue();
    }

    @Test
    void plan_whenConfigRecorderIsOff_plansNoRecorderAndNoBucket() {
        OrgConfig off = new OrgConfig(config.organization(), config.identityAccount(), config.accounts(),
                config.roles(), config.groups(), config.users(), config.passwordPolicy(), config.alerts(),
                config.guardrails(), config.rootAccess(), false);

        run(off, AccountTask.PLAN).forEach((k, report) -> assertThat(report.changes()).as(k)
                .noneMatch(c -> c.contains("config:") || c.contains("-palisade-config-")
                        || c.contains(Names.CONFIG_SERVICE_ROLE)));
    }
}
