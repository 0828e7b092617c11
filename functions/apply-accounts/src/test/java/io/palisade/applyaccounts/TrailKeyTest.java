package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrailKeyTest {
    private static final String ALIAS = "arn:aws:kms:us-east-1:111122223333:alias/palisade-cloudtrail";
    private static final String KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    @Test
    void aliasArn_whenBuilt_isPartitionSafe() {
        assertThat(TrailKey.aliasArn("aws-cn", "cn-north-1", "1"))
                .isEqualTo("arn:aws-cn:kms:cn-north-1:1:alias/palisade-cloudtrail");
    }

    @Test
    void designates_whenTheKeyArnIsKnown_acceptsItOrTheAliasArnOnly() {
        assertThat(TrailKey.designates(KEY, ALIAS, KEY)).isTrue();
        assertThat(TrailKey.designates(ALIAS, ALIAS, KEY)).isTrue();
        assertThat(TrailKey.designates("arn:aws:kms:us-east-1:111122223333:key/other", ALIAS, KEY)).isFalse();
    }

    @Test
    void designates_whenOnlyTheAliasIsKnown_acceptsAKeyOfTheIdentityAccountInThatRegion() {
        assertThat(TrailKey.designates(ALIAS, ALIAS, null)).isTrue();
        assertThat(TrailKey.designates(KEY, ALIAS, null)).isTrue();
        assertThat(TrailKey.designates("arn:aws:kms:us-east-1:444455556666:key/x", ALIAS, null)).isFalse();
        assertThat(TrailKey.designates("arn:aws:kms:eu-west-1:111122223333:key/x", ALIAS, null)).isFalse();
    }

    @Test
    void designates_whenUnencrypted_isFalse() {
        assertThat(TrailKey.designates(null, ALIAS, null)).isFalse();
        assertThat(TrailKey.designates("", ALIAS, KEY)).isFalse();
    }
}
