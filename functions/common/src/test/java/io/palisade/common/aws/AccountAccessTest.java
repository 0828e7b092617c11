package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Names;
import io.palisade.common.testkit.CannedHttpClient;
import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

class AccountAccessTest {
    private static final String MANAGEMENT = "111111111111";
    private static final String MEMBER = "222222222222";
    private static final StaticCredentialsProvider BASE =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"));
    private final Clients clients = new Clients(Region.US_EAST_1, URI.create("https://localhost:1"),
            new CannedHttpClient(500, "InternalError"), BASE);

    @Test
    void organizationAccess_whenManagementAccount_ownCredentials() {
        assertThat(OrganizationAccess.organizationAccess(clients, MANAGEMENT).in(MANAGEMENT)).isSameAs(BASE);
    }

    @Test
    void organizationAccess_whenMemberAccount_theAccessRoleSession() {
        assertThat(OrganizationAccess.organizationAccess(clients, MANAGEMENT).in(MEMBER))
                .isSameAs(clients.assume(BASE, MEMBER, Names.ORGANIZATION_ACCESS_ROLE))
                .isSameAs(OrganizationAccess.memberAccounts(clients).in(MEMBER));
    }

    @Test
    void bootstrapRole_whenManagementAccount_ownCredentialsWithoutReadingTheSecret() {
        TempAdminSession session = new TempAdminSession(clients, clients.build(SecretsManagerClient.builder()));
        // the canned client answers 500: reading the secret would fail
        assertThat(session.bootstrapRole("arn:secret", MANAGEMENT).in(MANAGEMENT))
                .isSameAs(BASE);
    }

    @Test
    void bootstrapRole_whenNoSecretForAMemberAccount_refuses() {
        TempAdminSession session = new TempAdminSession(clients, clients.build(SecretsManagerClient.builder()));
        assertThatThrownBy(() -> session.bootstrapRole(null, MANAGEMENT).in(MEMBER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tempAdmin.secretArn");
    }
}
