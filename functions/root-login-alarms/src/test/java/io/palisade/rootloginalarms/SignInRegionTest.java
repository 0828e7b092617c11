package io.palisade.rootloginalarms;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** CloudTrail records root console sign-ins in us-east-1 only: where the rule must also be. */
class SignInRegionTest {
    @Test
    void signInRegion_whenHomeIsElsewhereInTheAwsPartition_isUsEast1() {
        assertThat(RootLoginAlarms.signInRegion(Region.EU_WEST_1, "aws")).isEqualTo(Region.US_EAST_1);
        assertThat(RootLoginAlarms.signInRegion(Region.AP_SOUTHEAST_2, "aws")).isEqualTo(Region.US_EAST_1);
    }

    @Test
    void signInRegion_whenHomeIsUsEast1_isNone() {
        assertThat(RootLoginAlarms.signInRegion(Region.US_EAST_1, "aws")).isNull();
    }

    @Test
    void signInRegion_inAnotherPartition_isNone() {
        assertThat(RootLoginAlarms.signInRegion(Region.CN_NORTH_1, "aws-cn")).isNull();
    }
}
