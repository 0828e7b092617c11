package io.palisade.lifecycle;

import io.palisade.common.state.TeardownReport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.RunState;
import io.palisade.common.state.StateRecord;
import io.palisade.common.state.StateStore;
import io.palisade.common.testkit.Emulator;
import io.palisade.migratestate.MigrateState;
import io.palisade.teardown.Teardown;
import io.palisade.tempadmin.TempAdmin;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.User;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * One run's temp-admin, from creation to teardown, in the emulated organization (moto). The
 * user, secret and role names are fixed, so creation and removal run here, in order, in one class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TempAdminTeardownIT {
    private Clients clients;
    private SecretsManagerClient secrets;
    private OrgConfig config;
    private RunState.Org org;
    private RunState.StateRef state;
    private RunState.TempAdmin tempAdmin;
    private String runId;

    @BeforeAll
    void organization() {
        clients = Emulator.clients();
        secrets = clients.build(SecretsManagerClient.builder());
        config = Emulator.config("ta" + UUID.randomUUID().toString().substring(0, 8));
        org = Emulator.accounts(clients, config);
        runId = "it-" + UUID.randomUUID();
        // the run holds the state record's lock, as after migrate-state
        state = new MigrateState(clients, clients.build(OrganizationsClient.builder()), arn -> "RUNNING").apply(input());
    }

    @AfterAll
    void cleanUp() {
        if (org != null) {
            teardown(); // whatever a failed test left: teardown removes it
        }
    }

    private RunState input() {
        return new RunState(RunState.BOOTSTRAP, config, null, new RunState.Run(runId, "2025-01-01T00:00:00Z"), org,
                state, tempAdmin, null, null, null, null);
    }

    private TeardownReport teardown() {
        return new Teardown(clients, secrets, clients.build(OrganizationsClient.builder())).apply(input(), new Teardown.Outcome("SUCCEEDED", null, null, null));
    }

    private IamClient iam(String accountId) {
        return accountId.equals(org.managementAccountId()) ? clients.build(IamClient.builder())
                : clients.build(IamClient.builder(), Emulator.orgAccess(clients, accountId));
    }

    private IamClient identityIam() {
        return iam(org.identity().accountId());
    }

    private StateRecord record() {
        var creds = Emulator.orgAccess(clients, state.accountId());
        return new StateStore(clients.s3(creds), state.bucket()).read().orElseThrow().record();
    }

    private static JsonNode document(String urlEncoded) {
        return Json.read(URLDecoder.decode(urlEncoded, StandardCharsets.UTF_8), JsonNode.class);
    }

    @Test
    @Order(1)
    void apply_whenRunStarts_createsTheUserItsSecretAndABootstrapRoleTrustingOnlyItInEveryAccount() {
        tempAdmin = new TempAdmin(clients, secrets, List.of()).apply(input());

        User user = identityIam().getUser(r -> r.userName(Names.TEMP_ADMIN_USER)).user();
        assertThat(tempAdmin.userName()).isEqualTo(Names.TEMP_ADMIN_USER);
        assertThat(tempAdmin.userArn()).isEqualTo(user.arn())
                .isEqualTo("arn:aws:iam::" + org.identity().accountId() + ":user/palisade/PalisadeTempAdmin");
        assertThat(tempAdmin.bootstrapRole()).isEqualTo(Names.BOOTSTRAP_ROLE);

        // the key: one, and only in Secrets Manager
        List<AccessKeyMetadata> keys = identityIam().listAccessKeys(r -> r.userName(user.userName()))
                .accessKeyMetadata();
        assertThat(keys).hasSize(1);
        var secret = secrets.getSecretValue(r -> r.secretId(Names.TEMP_ADMIN_SECRET));
        assertThat(tempAdmin.secretArn()).isEqualTo(secret.arn());
        TempAdminSession.AccessKey stored = Json.read(secret.secretString(), TempAdminSession.AccessKey.class);
        assertThat(stored.accessKeyId()).isEqualTo(keys.get(0).accessKeyId());
        assertThat(stored.secretAccessKey()).isNotBlank();
        String payload = Json.write(tempAdmin);
        assertThat(payload).doesNotContain(stored.secretAccessKey()).doesNotContain(stored.accessKeyId());
        assertThat(stored.toString()).doesNotContain(stored.secretAccessKey());

        // the user may only assume the bootstrap roles, in the organization's accounts
        JsonNode userPolicy = document(identityIam().getUserPolicy(r -> r.userName(user.userName())
                .policyName("AssumeBootstrapRoleOnly")).policyDocument());
        assertThat(userPolicy.path("Statement")).hasSize(1);
        assertThat(userPolicy.at("/Statement/0/Action").asText()).isEqualTo("sts:AssumeRole");
        assertThat(userPolicy.at("/Statement/0/Resource").asText()).isEqualTo("arn:aws:iam::*:role/PalisadeBootstrap");
        assertThat(userPolicy.at("/Statement/0/Condition/StringEquals/aws:ResourceOrgID").asText())
                .isEqualTo(org.organizationId());

        // nothing in the management account trusts the temp-admin: its baseline uses the phases' own roles
        assertThatThrownBy(() -> iam(org.managementAccountId()).getRole(r -> r.roleName(Names.BOOTSTRAP_ROLE)))
                .isInstanceOf(NoSuchEntityException.class);
        for (RunState.Target target : org.targets()) {
            if (target.accountId().equals(org.managementAccountId())) {
                continue;
            }
            var role = iam(target.accountId()).getRole(r -> r.roleName(Names.BOOTSTRAP_ROLE)).role();
            JsonNode trust = document(role.assumeRolePolicyDocument());
            assertThat(trust.path("Statement")).as(target.key() + " trust statements").hasSize(1);
            assertThat(trust.at("/Statement/0/Effect").asText()).isEqualTo("Allow");
            assertThat(trust.at("/Statement/0/Action").asText()).isEqualTo("sts:AssumeRole");
            assertThat(trust.at("/Statement/0/Principal")).as(target.key() + " trusts exactly the temp-admin")
                    .isEqualTo(Json.MAPPER.createObjectNode().put("AWS", tempAdmin.userArn()));
            assertThat(iam(target.accountId()).listRolePolicies(r -> r.roleName(Names.BOOTSTRAP_ROLE)).policyNames())
                    .containsExactly("PalisadeBaseline");
        }
    }

    @Test
    @Order(2)
    void apply_whenRunAgain_reusesTheKeyAndTheSecret() {
        String keyBefore = identityIam().listAccessKeys(r -> r.userName(Names.TEMP_ADMIN_USER))
                .accessKeyMetadata().get(0).accessKeyId();

        RunState.TempAdmin again = new TempAdmin(clients, secrets, List.of()).apply(input());

        assertThat(again.secretArn()).isEqualTo(tempAdmin.secretArn());
        assertThat(again.userArn()).isEqualTo(tempAdmin.userArn());
        assertThat(identityIam().listAccessKeys(r -> r.userName(Names.TEMP_ADMIN_USER)).accessKeyMetadata())
                .extracting(AccessKeyMetadata::accessKeyId).containsExactly(keyBefore);
        assertThat(again.changes()).noneMatch(c -> c.endsWith(":CreateUser") || c.endsWith(":CreateAccessKey")
                || c.endsWith(":CreateRole") || c.endsWith(":CreateSecret") || c.endsWith(":PutSecretValue"));
    }

    @Test
    @Order(3)
    void apply_whenTeardownRuns_removesUserKeysSecretAndRolesAndReleasesTheLock() {
        assertThat(record().lock()).isNotNull();

        TeardownReport report = teardown();

        assertThat(report.status()).isEqualTo("SUCCEEDED");
        assertThat(report.removed()).contains("user PalisadeTempAdmin in infosec", "secret palisade/temp-admin");
        // one line for the role in every member account (the management account has none), as Tally groups it
        assertThat(report.removed()).filteredOn(s -> s.startsWith("role PalisadeBootstrap in "))
                .singleElement().asString()
                .startsWith("role PalisadeBootstrap in " + (org.targets().size() - 1) + " accounts: ");
        assertThatThrownBy(() -> identityIam().getUser(r -> r.userName(Names.TEMP_ADMIN_USER)))
                .isInstanceOf(NoSuchEntityException.class);
        assertThatThrownBy(() -> identityIam().listAccessKeys(r -> r.userName(Names.TEMP_ADMIN_USER)))
                .isInstanceOf(NoSuchEntityException.class);
        assertThatThrownBy(() -> secrets.describeSecret(r -> r.secretId(Names.TEMP_ADMIN_SECRET)))
                .isInstanceOf(ResourceNotFoundException.class);
        for (RunState.Target target : org.targets()) {
            assertThatThrownBy(() -> iam(target.accountId()).getRole(r -> r.roleName(Names.BOOTSTRAP_ROLE)))
                    .as("role in " + target.key()).isInstanceOf(NoSuchEntityException.class);
        }
        StateRecord record = record();
        assertThat(record.lock()).isNull();
        assertThat(record.run(runId).status()).isEqualTo("SUCCEEDED");
        assertThat(record.run(runId).endedAt()).isNotBlank();
    }

    @Test
    @Order(4)
    void apply_whenTeardownRunsTwice_removesNothingAndFailsNothing() {
        TeardownReport again = teardown();

        assertThat(again.removed()).isEmpty();
        assertThat(again.changes()).allMatch(c -> c.equals("S3:PutObject"));
        assertThat(record().lock()).isNull();
        assertThat(record().run(runId).status()).isEqualTo("SUCCEEDED");
    }
}
