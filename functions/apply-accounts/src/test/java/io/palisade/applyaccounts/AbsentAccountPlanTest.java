package io.palisade.applyaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.CannedHttpClient;
import io.palisade.common.testkit.Emulator;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** A plan of an account that does not exist yet: all of it as +, and no AWS call (every request would fail). */
class AbsentAccountPlanTest {
    private static final String MANAGEMENT = "999999999999";
    private final CannedHttpClient http = new CannedHttpClient(500, "InternalFailure");
    private final Clients clients = new Clients(Region.US_EAST_1, URI.create("https://localhost:1"), http,
            AnonymousCredentialsProvider.create());
    private final OrgConfig config = Emulator.config("absent");
    /** As PlanAccounts returns it for an organization that does not exist yet. */
    private final RunState.Org org = Emulator.planned(config, MANAGEMENT);
    private final ApplyAccounts phase = new ApplyAccounts(clients, task -> id -> {
        throw new AssertionError("no credentials are asked for an account that does not exist: " + id);
    }, List.of("ApplyAccountsRole"));

    private AccountTask task(String key, String mode) {
        RunState.Target target = org.targets().stream().filter(t -> t.key().equals(key)).findFirst().orElseThrow();
        return new AccountTask(target, config, org, null, new RunState.Run("unit", null), mode, null);
    }

    @Test
    void planReport_whenMemberAccountDoesNotExist_expectedEverythingAsCreateWithoutCalls() {
        AccountReport report = phase.planReport(task("prod", AccountTask.PLAN));

        assertThat(report.accountId()).isNull();
        assertThat(report.changes()).containsExactly(
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
                "+ iam:service-linked-role prod/" + Names.CONFIG_SERVICE_ROLE,
                "+ config:recorder prod/" + Names.CONFIG_RECORDER,
                "+ config:delivery-channel prod/" + Names.CONFIG_DELIVERY_CHANNEL);
        assertThat(report.roles()).extracting(AccountReport.Role::arn)
                .containsExactly("arn:aws:iam::<prod id>:role/Administrator", "arn:aws:iam::<prod id>:role/Developer",
                        "arn:aws:iam::<prod id>:role/Support", "arn:aws:iam::<prod id>:role/SecurityAudit");
        assertThat(report.settings().passwordPolicy()).isEqualTo(config.passwordPolicy());
        assertThat(report.settings().publicAccessBlock()).containsOnlyKeys("blockPublicAcls", "ignorePublicAcls",
                "blockPublicPolicy", "restrictPublicBuckets").containsValues(true);
        assertThat(report.buckets()).isEmpty();
        assertThat(report.trail().arn()).isEqualTo("arn:aws:cloudtrail:us-east-1:<prod id>:trail/" + Names.TRAIL);
        assertThat(report.trail().bucket()).isEqualTo(Names.trailBucket(config.organization().name(), "<infosec id>"));
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void planReport_whenIdentityAccountDoesNotExist_expectedItsDirectoryBucketsAndKeyAsCreateWithoutCalls() {
        AccountReport report = phase.planReport(task("infosec", RunState.DRIFT));

        String bucket = Names.trailBucket(config.organization().name(), "<infosec id>");
        String logBucket = Names.accessLogBucket(config.organization().name(), "<infosec id>");
        String stateBucket = Names.stateBucket(config.organization().name(), "<infosec id>");
        String configBucket = Names.configBucket(config.organization().name(), "<infosec id>");
        assertThat(report.changes()).allMatch(c -> c.startsWith("+ ")).contains(
                "+ iam:password-policy infosec",
                "+ s3:account-public-access-block infosec",
                "+ securityhub:hub infosec",
                "+ securityhub:standard infosec/cis-aws-foundations-benchmark/v/3.0.0",
                "+ securityhub:organization-configuration infosec",
                "+ securityhub:member infosec/prod",
                "+ securityhub:member infosec/management",
                "+ s3:bucket infosec/" + stateBucket,
                "+ s3:bucket-logging infosec/" + stateBucket,
                "+ iam:group infosec/" + Names.ALL_USERS_GROUP,
                "+ iam:group infosec/InfosecAdmins",
                "+ iam:user infosec/ExampleAdmin",
                "+ iam:group-membership infosec/InfosecAdmins ExampleAdmin",
                "+ s3:bucket infosec/" + logBucket,
                "+ s3:bucket infosec/" + bucket,
                "+ s3:bucket-logging infosec/" + bucket,
                "+ kms:key infosec/" + Names.TRAIL_KEY_ALIAS,
                "+ iam:role infosec/Administrator",
                "+ iam:role infosec/" + Names.AUDIT_ROLE,
                "+ cloudtrail:trail infosec/" + Names.TRAIL,
                "+ s3:bucket infosec/" + configBucket,
                "+ s3:bucket-logging infosec/" + configBucket,
                "+ config:recorder infosec/" + Names.CONFIG_RECORDER,
                "+ config:delivery-channel infosec/" + Names.CONFIG_DELIVERY_CHANNEL);
        // the groups grant the roles of accounts that do not exist yet by their placeholders
        assertThat(report.groups()).filteredOn(g -> g.name().equals("ProdDevelopers")).singleElement()
                .satisfies(g -> assertThat(g.assumableRoleArns()).containsExactly("arn:aws:iam::<prod id>:role/Developer"));
        assertThat(report.groups()).filteredOn(g -> g.name().equals("MasterBilling")).singleElement()
                .satisfies(g -> assertThat(g.assumableRoleArns()).containsExactly("arn:aws:iam::" + MANAGEMENT + ":role/Billing"));
        assertThat(report.buckets()).extracting(AccountReport.Bucket::name, AccountReport.Bucket::objectOwnership,
                AccountReport.Bucket::accessLogs).containsExactly(
                tuple(bucket, "BucketOwnerEnforced", logBucket + "/trail-bucket/"),
                tuple(stateBucket, "BucketOwnerEnforced", logBucket + "/state-bucket/"),
                tuple(configBucket, "BucketOwnerEnforced", logBucket + "/config-bucket/"),
                tuple(logBucket, "BucketOwnerEnforced", null));
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void apply_whenAccountDoesNotExist_expectedErrorBeforeAnyCall() {
        assertThatThrownBy(() -> phase.apply(task("prod", null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'prod' has no id");
        assertThat(http.requests).hasValue(0);
    }

    @Test
    void accountIdOf_whenAccountDoesNotExist_expectedPlaceholder() {
        assertThat(ApplyAccounts.accountIdOf(task("prod", AccountTask.PLAN), "infosec")).isEqualTo("<infosec id>");
        assertThat(ApplyAccounts.accountIdOf(task("prod", AccountTask.PLAN), OrgConfig.MANAGEMENT))
                .isEqualTo(MANAGEMENT);
    }
}
