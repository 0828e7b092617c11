package io.palisade.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.Emulator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * A fresh organization whose home region ({@code organization.region}) is eu-west-1, bootstrapped
 * by the deployed state machine (whose own region is us-east-1): everything regional it builds is
 * in eu-west-1, read from moto directly, and the root sign-in rule and its topic are also in
 * us-east-1, where CloudTrail records root console sign-ins.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HomeRegionE2EIT {
    private static final Region HOME = Region.EU_WEST_1;

    private static Workflow workflow;
    private static Clients clients;
    private static OrgConfig config;
    private static Map<String, String> ids;

    @BeforeAll
    static void setUp() {
        workflow = Workflow.deployed();
        clients = Emulator.clients();
        OrgConfig base = Workflow.freshConfig("eu");
        config = new OrgConfig(new OrgConfig.Organization(base.organization().name(), HOME.id(),
                base.organization().managementRoles()), base.identityAccount(), base.accounts(), base.roles(),
                base.groups(), base.users(), base.passwordPolicy(), base.alerts());
    }


    @Test
    @Order(1)
    void bootstrap_whenHomeRegionIsEuWest1_buildsEverythingThereAndTheSignInRuleAlsoInUsEast1() {
        DescribeExecutionResponse run = workflow.run(Workflow.bootstrap(config));

        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        // trails, buckets, key, log groups, alarms, topics, rules: in eu-west-1; the sign-in rule also in us-east-1
        ids = OrganizationChecks.assertBuilt(clients, config);

        // and none of the regional baseline in the function's own region
        Clients usEast1 = clients.inRegion(Region.US_EAST_1);
        for (String key : new String[] {"infosec", "prod", "non-prod"}) {
            AwsCredentialsProvider access = OrganizationChecks.access(clients, ids, ids.get(key));
            assertThat(usEast1.build(CloudWatchClient.builder(), access)
                    .describeAlarms(r -> r.alarmNames(Names.ROOT_USAGE_ALARM)).metricAlarms())
                    .as("root-usage alarm of " + key + " in us-east-1").isEmpty();
            assertThat(usEast1.build(CloudWatchLogsClient.builder(), access)
                    .describeLogGroups(r -> r.logGroupNamePrefix(Names.LOG_GROUP)).logGroups())
                    .as("log group of " + key + " in us-east-1").isEmpty();
        }
        KmsClient kmsUsEast1 = usEast1.build(KmsClient.builder(),
                OrganizationChecks.access(clients, ids, ids.get("infosec")));
        try {
            kmsUsEast1.describeKey(r -> r.keyId(Names.TRAIL_KEY_ALIAS));
            throw new AssertionError("the trail key is in us-east-1 too");
        } catch (NotFoundException expected) {
            // only in the home region
        }

        List<JsonNode> alarms = workflow.fullReports(run.output(), "alarms");
        assertThat(alarms).hasSize(4);
        for (JsonNode a : alarms) {
            assertThat(a.path("region").asText()).isEqualTo("eu-west-1");
            assertThat(a.path("signIn").path("region").asText()).as(a.toString()).isEqualTo("us-east-1");
            assertThat(a.path("signIn").path("topicArn").asText())
                    .isEqualTo("arn:aws:sns:us-east-1:" + a.path("accountId").asText() + ":palisade-root-alerts");
        }
    }

    @Test
    @Order(2)
    void bootstrap_whenRunAgain_changesNoAlertingInEitherRegion() {
        DescribeExecutionResponse run = workflow.run(Workflow.bootstrap(config));

        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(ExecutionStatus.SUCCEEDED);
        List<JsonNode> alarms = workflow.fullReports(run.output(), "alarms");
        assertThat(alarms).hasSize(4);
        for (JsonNode a : alarms) {
            assertThat(a.path("changes")).as("alerting changes in " + a.path("key").asText()).isEmpty();
        }
        for (JsonNode batch : Json.read(run.output(), JsonNode.class).path("applied")) {
            assertThat(batch.path("changes").asInt(-1)).as("baseline changes in " + batch.path("keys")).isZero();
        }
        OrganizationChecks.assertBuilt(clients, config);
    }
}
