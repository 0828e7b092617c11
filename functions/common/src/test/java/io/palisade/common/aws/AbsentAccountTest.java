package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.CannedHttpClient;
import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/** An account that does not exist yet: its clients answer as an empty account, and never call AWS. */
class AbsentAccountTest {
    private final CannedHttpClient http = new CannedHttpClient(500, "InternalFailure");
    private final Clients clients = new Clients(Region.US_EAST_1, URI.create("https://localhost:1"), http,
            AnonymousCredentialsProvider.create());
    private final IamClient iam = clients.build(IamClient.builder(), AbsentAccount.CREDENTIALS);

    @Test
    void build_whenAbsentCredentials_expectedLocalClientOfTheServiceInterface() {
        assertThat(iam).isInstanceOf(IamClient.class);
        assertThat(iam.toString()).isEqualTo("AbsentAccount(IamClient)");
        assertThat(iam.serviceName()).isEqualTo(IamClient.SERVICE_NAME);
        assertThat(clients.s3(AbsentAccount.CREDENTIALS)).isInstanceOf(S3Client.class);
        assertThat(clients.buildWithoutRetries(IamClient.builder(), AbsentAccount.CREDENTIALS).toString())
                .isEqualTo("AbsentAccount(IamClient)");
    }

    @Test
    void list_whenAbsent_expectedEmptyResponseAlsoThroughOverloadsAndPaginators() {
        assertThat(iam.listAccountAliases().accountAliases()).isEmpty();
        assertThat(iam.listGroupsPaginator(r -> r.pathPrefix("/palisade/")).groups()).isEmpty();
        assertThat(iam.listAttachedRolePoliciesPaginator(r -> r.roleName("Developer")).attachedPolicies()).isEmpty();
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void getOne_whenAbsent_expectedTheServicesNotFoundError() {
        assertThatThrownBy(() -> iam.getRole(r -> r.roleName("Administrator")))
                .isInstanceOfSatisfying(NoSuchEntityException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchEntity");
                });
        assertThatThrownBy(() -> iam.getAccountPasswordPolicy()).isInstanceOf(NoSuchEntityException.class);
        // a Get whose response has a list (the group's users) is still a read of one thing
        assertThatThrownBy(() -> iam.getGroupPaginator(r -> r.groupName("AllUsers")).forEach(page -> {}))
                .isInstanceOf(NoSuchEntityException.class);
        S3Client s3 = clients.s3(AbsentAccount.CREDENTIALS);
        assertThatThrownBy(() -> s3.headBucket(r -> r.bucket("b")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(404));
        SecretsManagerClient secrets = clients.build(SecretsManagerClient.builder(), AbsentAccount.CREDENTIALS);
        assertThatThrownBy(() -> secrets.describeSecret(r -> r.secretId("s")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void change_whenAbsent_expectedIllegalStateAndNoCall() {
        assertThatThrownBy(() -> iam.createRole(r -> r.roleName("Administrator").assumeRolePolicyDocument("{}")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Iam").hasMessageContaining("CreateRole");
        OrganizationsClient organizations = clients.build(OrganizationsClient.builder(), AbsentAccount.CREDENTIALS);
        assertThatThrownBy(() -> organizations.createAccount(r -> r.accountName("x").email("x@example.com")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> AbsentAccount.CREDENTIALS.resolveCredentials())
                .isInstanceOf(IllegalStateException.class);
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void credentials_whenPlanOnlyTask_expectedAbsentCredentials_whenBootstrapTask_expectedError() {
        RunState.Target target = new RunState.Target("prod", null);

        assertThat(AbsentAccount.isAbsent(task(target, AccountTask.PLAN, null))).isTrue();
        assertThat(AbsentAccount.credentials(task(target, AccountTask.PLAN, null))).isSameAs(AbsentAccount.CREDENTIALS);
        assertThat(AbsentAccount.credentials(task(target, RunState.DRIFT, null))).isSameAs(AbsentAccount.CREDENTIALS);
        assertThatThrownBy(() -> AbsentAccount.credentials(task(target, null, null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'prod' has no id");
        assertThatThrownBy(() -> AbsentAccount.credentials(task(target, RunState.DRIFT, true)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(AbsentAccount.isAbsent(task(new RunState.Target("prod", "111111111111"), null, null))).isFalse();
    }

    @Test
    void placeholderId_expectedReadableKnownAfterApply() {
        assertThat(AbsentAccount.placeholderId("infosec")).isEqualTo("<infosec id>");
    }

    private static AccountTask task(RunState.Target target, String mode, Boolean repair) {
        return new AccountTask(target, null, null, null, null, mode, repair);
    }
}
