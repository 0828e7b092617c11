package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Names;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.CannedHttpClient;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sts.StsClient;

/** The organization's home region versus the function's own: which client acts where. */
class ClientsRegionTest {
    private static final StaticCredentialsProvider BASE =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"));

    private final Clients clients = new Clients(Region.US_EAST_1, URI.create("https://localhost:1"),
            new CannedHttpClient(500, "InternalError"), BASE);

    private static OrgConfig configIn(String region) {
        return new OrgConfig(new OrgConfig.Organization("acme", region, List.of()), "infosec", List.of(),
                null, List.of(), List.of(), null, null);
    }

    @Test
    void inHomeRegion_buildsClientsInTheConfiguredRegion_sharingCredentialsAndCallLog() {
        Clients home = clients.inHomeRegion(configIn("eu-west-1"));

        assertThat(home.region()).isEqualTo(Region.EU_WEST_1);
        assertThat(home.ownRegion()).isEqualTo(Region.US_EAST_1);
        assertThat(home.baseCredentials()).isSameAs(clients.baseCredentials());
        assertThat(home.calls()).isSameAs(clients.calls());
        assertThat(home.partition()).isEqualTo("aws");
        assertThat(home.build(StsClient.builder()).serviceClientConfiguration().region()).isEqualTo(Region.EU_WEST_1);
        assertThat(home.s3(BASE).serviceClientConfiguration().region()).isEqualTo(Region.EU_WEST_1);
    }

    @Test
    void inRegion_isOneViewPerRegion_andTheOwnRegionIsTheOriginItself() {
        Clients home = clients.inRegion(Region.EU_WEST_1);

        assertThat(clients.inRegion(Region.EU_WEST_1)).isSameAs(home);
        assertThat(home.inRegion(Region.US_EAST_1)).isSameAs(clients);
        assertThat(clients.inRegion(null)).isSameAs(clients);
    }

    @Test
    void inHomeRegion_withoutARegionInTheConfig_keepsTheFunctionsOwn() {
        assertThat(clients.inHomeRegion(configIn(null))).isSameAs(clients);
        assertThat(clients.inHomeRegion(configIn(" "))).isSameAs(clients);
        assertThat(clients.inHomeRegion(null)).isSameAs(clients);
    }

    @Test
    void control_staysInTheFunctionsOwnRegion_fromAnyView() {
        Clients home = clients.inRegion(Region.AP_SOUTHEAST_2);

        assertThat(home.control(StsClient.builder()).serviceClientConfiguration().region())
                .isEqualTo(Region.US_EAST_1);
    }

    @Test
    void cached_keysCarryTheRegion_soAWarmContainerNeverReusesAnotherRegionsClient() {
        Clients home = clients.inRegion(Region.EU_WEST_1);

        S3Client own = clients.cached("s3|123456789012", () -> clients.s3(BASE));
        S3Client inHome = home.cached("s3|123456789012", () -> home.s3(BASE));

        assertThat(inHome).isNotSameAs(own);
        assertThat(inHome.serviceClientConfiguration().region()).isEqualTo(Region.EU_WEST_1);
        assertThat(clients.inRegion(Region.EU_WEST_1).<S3Client>cached("s3|123456789012", () -> null))
                .isSameAs(inHome);
        assertThat(clients.<S3Client>cached("s3|123456789012", () -> null)).isSameAs(own);
    }

    @Test
    void assumedSessions_areSharedAcrossRegions_credentialsBeingGlobal() {
        Clients home = clients.inRegion(Region.EU_WEST_1);

        assertThat(home.assume(BASE, "123456789012", Names.ORGANIZATION_ACCESS_ROLE))
                .isSameAs(clients.assume(BASE, "123456789012", Names.ORGANIZATION_ACCESS_ROLE));
    }
}
