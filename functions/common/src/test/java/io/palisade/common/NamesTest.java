package io.palisade.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The names are live resources' names: a change renames them in every organization, so they are pinned. */
class NamesTest {
    @Test
    void names_whenRead_areTheOnesLiveOrganizationsHave() {
        assertThat(Names.ORGANIZATION_ACCESS_ROLE).isEqualTo("OrganizationAccountAccessRole");
        assertThat(Names.BOOTSTRAP_ROLE).isEqualTo("PalisadeBootstrap");
        assertThat(Names.AUDIT_ROLE).isEqualTo("PalisadeAudit");
        assertThat(Names.awsManagedPolicyArn("aws", Names.AUDIT_POLICY))
                .isEqualTo("arn:aws:iam::aws:policy/ReadOnlyAccess");
        assertThat(Names.TEMP_ADMIN_USER).isEqualTo("PalisadeTempAdmin");
        assertThat(Names.TEMP_ADMIN_SECRET).isEqualTo("palisade/temp-admin");
        assertThat(Names.TRAIL).isEqualTo("palisade-trail");
        assertThat(Names.TRAIL_KEY_ALIAS).isEqualTo("alias/palisade-cloudtrail");
        assertThat(Names.LOG_GROUP).isEqualTo("palisade/cloudtrail");
        assertThat(Names.ROOT_ALERTS_TOPIC).isEqualTo("palisade-root-alerts");
        assertThat(Names.ROOT_USAGE_ALARM).isEqualTo("palisade-root-usage");
        assertThat(Names.ROOT_ACTIVITY_RULE).isEqualTo("palisade-root-activity");
        assertThat(Names.DELIVERY_ROLE).isEqualTo("PalisadeCloudTrailToLogs");
        assertThat(Names.ALL_USERS_GROUP).isEqualTo("AllUsers");
        assertThat(Names.STATE_KEY).isEqualTo("palisade/state.json");
    }

    @Test
    void bucketNames_whenBuilt_carryOrganizationAndIdentityAccount() {
        assertThat(Names.stateBucket("acme", "111122223333")).isEqualTo("acme-palisade-state-111122223333");
        assertThat(Names.trailBucket("acme", "111122223333")).isEqualTo("acme-palisade-trail-111122223333");
        assertThat(Names.accessLogBucket("acme", "111122223333")).isEqualTo("acme-palisade-access-logs-111122223333");
    }

    @Test
    void arns_whenBuilt_arePartitionSafe() {
        assertThat(Names.roleArn("aws-cn", "1", "R")).isEqualTo("arn:aws-cn:iam::1:role/R");
        assertThat(Names.accountRootArn("aws", "1")).isEqualTo("arn:aws:iam::1:root");
        assertThat(Names.bucketArn("aws-us-gov", "b")).isEqualTo("arn:aws-us-gov:s3:::b");
        assertThat(Names.trailArn("aws", "eu-west-1", "*", Names.TRAIL))
                .isEqualTo("arn:aws:cloudtrail:eu-west-1:*:trail/palisade-trail");
        assertThat(Names.logGroupArn("aws", "eu-west-1", "1", Names.LOG_GROUP))
                .isEqualTo("arn:aws:logs:eu-west-1:1:log-group:palisade/cloudtrail:*");
        assertThat(Names.topicArn("aws-cn", "cn-north-1", "1", "t")).isEqualTo("arn:aws-cn:sns:cn-north-1:1:t");
        assertThat(Names.kmsAliasArn("aws", "us-east-1", "1", Names.TRAIL_KEY_ALIAS))
                .isEqualTo("arn:aws:kms:us-east-1:1:alias/palisade-cloudtrail");
    }
}
