package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import io.palisade.common.testkit.Recording;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.AccountJoinedMethod;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.model.DescribeOrganizationRequest;
import software.amazon.awssdk.services.organizations.model.DescribeOrganizationResponse;
import software.amazon.awssdk.services.organizations.model.ListAccountsRequest;
import software.amazon.awssdk.services.organizations.model.ListAccountsResponse;
import software.amazon.awssdk.services.organizations.model.ListPoliciesRequest;
import software.amazon.awssdk.services.organizations.model.ListRootsRequest;
import software.amazon.awssdk.services.organizations.model.OrganizationFeatureSet;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityRequest;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/** The org a plan returns: what exists with its id, what a bootstrap would create without one. */
class PlanAccountsTest {
    private static final String MANAGEMENT = "111111111111";
    private final Clients clients = new Clients(Region.US_EAST_1, null, null, null);
    private final OrgConfig config = GuardrailsFixtures.off(Emulator.config("unit"));
    private final List<String> calls = new ArrayList<>();

    private static RunState input(OrgConfig config, String mode) {
        return new RunState(mode, config, null, null, null, null, null, null, null, null, null);
    }

    private StsClient sts() {
        return Recording.stub(StsClient.class, calls, request -> request instanceof GetCallerIdentityRequest
                ? GetCallerIdentityResponse.builder().account("999999999999").build()
                : new UnsupportedOperationException(String.valueOf(request)));
    }

    /** No organization at all: the caller's account is standalone. */
    private OrganizationsClient none() {
        return Recording.stub(OrganizationsClient.class, calls, request -> AwsOrganizationsNotInUseException.builder()
                .message("not in an organization").statusCode(400).build());
    }

    /** An organization whose accounts have the emails of the config's accounts with these keys. */
    private OrganizationsClient organization(List<String> existingKeys) {
        List<Account> accounts = new ArrayList<>();
        for (OrgConfig.Account a : config.accounts()) {
            if (existingKeys.contains(a.key())) {
                // email case differs: matched as CreateAccounts matches it
                accounts.add(Account.builder().id("2222222222" + accounts.size() + "0").email(a.email().toUpperCase())
                        .name(a.name()).joinedMethod(AccountJoinedMethod.CREATED).build());
            }
        }
        return Recording.stub(OrganizationsClient.class, calls, request -> switch (request) {
            case DescribeOrganizationRequest r -> DescribeOrganizationResponse.builder()
                    .organization(o -> o.id("o-unit").masterAccountId(MANAGEMENT)
                            .featureSet(OrganizationFeatureSet.ALL)).build();
            case ListAccountsRequest r -> ListAccountsResponse.builder().accounts(accounts).build();
            case ListRootsRequest r -> GuardrailsFixtures.root();
            case ListPoliciesRequest r -> GuardrailsFixtures.noPolicies();
            default -> new UnsupportedOperationException(String.valueOf(request));
        });
    }

    @Test
    void plan_whenNoOrganization_expectedEveryAccountPlannedWithoutIdAndTheCallersAccountAsManagement() {
        RunState.Org org = new PlanAccounts(clients, none(), sts()).plan(input(config, RunState.PLAN));

        assertThat(org.ready()).isTrue();
        assertThat(org.queued()).isZero();
        assertThat(org.organizationId()).isNull();
        assertThat(org.managementAccountId()).isEqualTo("999999999999");
        assertThat(org.accounts()).extracting(AccountRef::key, AccountRef::id, AccountRef::status).containsExactly(
                tuple("infosec", null, PlanAccounts.PLANNED),
                tuple("prod", null, PlanAccounts.PLANNED),
                tuple("non-prod", null, PlanAccounts.PLANNED));
        assertThat(org.identity()).isEqualTo(new RunState.Target("infosec", null));
        assertThat(org.members()).containsExactly(new RunState.Target("prod", null),
                new RunState.Target("non-prod", null), new RunState.Target(OrgConfig.MANAGEMENT, "999999999999"));
        assertThat(org.targets()).containsExactly(new RunState.Target("infosec", null),
                new RunState.Target("prod", null), new RunState.Target("non-prod", null),
                new RunState.Target(OrgConfig.MANAGEMENT, "999999999999"));
        assertThat(org.changes()).containsExactly("+ organizations:organization ALL",
                "+ organizations:account infosec", "+ organizations:account prod", "+ organizations:account non-prod");
        assertThat(calls).containsExactly("describeOrganization", "getCallerIdentity");
    }

    @Test
    void plan_whenNoOrganizationAndDefaultGuardrails_expectedEachPolicyAndItsAttachmentPlanned() {
        OrgConfig defaults = GuardrailsFixtures.with(config, null);

        RunState.Org org = new PlanAccounts(clients, none(), sts()).plan(input(defaults, RunState.PLAN));

        assertThat(org.changes()).contains("+ organizations:policy unit-palisade-guardrails",
                "+ organizations:policy-attachment root/unit-palisade-guardrails",
                "+ organizations:policy unit-palisade-data-perimeter",
                "+ organizations:policy-attachment root/unit-palisade-data-perimeter");
        assertThat(org.changes()).as("the region allow-list is off unless it names regions")
                .noneMatch(c -> c.contains("region-allowlist"));
        assertThat(calls).containsExactly("describeOrganization", "getCallerIdentity");
    }

    @Test
    void plan_whenEveryAccountExists_expectedTheirIdsAndNoChange() {
        RunState.Org org = new PlanAccounts(clients, organization(List.of("infosec", "prod", "non-prod")), sts())
                .plan(input(config, RunState.DRIFT));

        assertThat(org.organizationId()).isEqualTo("o-unit");
        assertThat(org.managementAccountId()).isEqualTo(MANAGEMENT);
        assertThat(org.accounts()).extracting(AccountRef::status).containsOnly("EXISTING");
        assertThat(org.targets()).extracting(RunState.Target::accountId)
                .containsExactly("222222222200", "222222222210", "222222222220", MANAGEMENT);
        assertThat(org.changes()).isEmpty();
        assertThat(calls).containsExactly("describeOrganization", "listAccounts", "listRoots", "listPolicies",
                "listPolicies");
    }

    @Test
    void plan_whenOneAccountIsMissing_expectedOnlyItPlanned() {
        RunState.Org org = new PlanAccounts(clients, organization(List.of("infosec", "non-prod")), sts())
                .plan(input(config, null));

        assertThat(org.changes()).containsExactly("+ organizations:account prod");
        assertThat(org.targets()).extracting(RunState.Target::key, RunState.Target::accountId).containsExactly(
                tuple("infosec", "222222222200"),
                tuple("prod", null),
                tuple("non-prod", "222222222210"),
                tuple(OrgConfig.MANAGEMENT, MANAGEMENT));
    }

    @Test
    void plan_whenModeUnknownOrConfigMissing_expectedInvalidConfigNamingTheFieldWithoutCalls() {
        PlanAccounts phase = new PlanAccounts(clients, none(), sts());

        assertThatThrownBy(() -> phase.plan(input(config, "destroy")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("mode 'destroy'").hasMessageContaining("bootstrap, plan, drift");
        assertThatThrownBy(() -> phase.plan(input(null, RunState.PLAN)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("config is required");
        assertThat(calls).isEmpty();
    }

    @Test
    void createAccounts_whenModeIsPlan_expectedAccepted() {
        assertThatThrownBy(() -> new CreateAccounts(clients, none()).apply(input(config, RunState.PLAN)))
                .as("past validation: the stub's organization call answers")
                .isNotInstanceOf(InvalidConfigException.class);
    }
}
