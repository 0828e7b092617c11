package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import io.palisade.common.testkit.Recording;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.OrganizationFeatureSet;

/** Creates member accounts in the emulated organization (moto), then applies again. */
class CreateAccountsIT {
    private Clients clients;
    private OrganizationsClient organizations;
    private OrgConfig config;

    @BeforeEach
    void organization() {
        clients = Emulator.clients();
        organizations = clients.build(OrganizationsClient.builder());
        config = Emulator.config("ca" + UUID.randomUUID().toString().substring(0, 8));
    }

    private static RunState input(OrgConfig config, RunState.Org org) {
        return new RunState(RunState.BOOTSTRAP, config, null, new RunState.Run("it-" + UUID.randomUUID(), null), org,
                null, null, null, null, null, null);
    }

    /** This test's accounts as the organization lists them (other tests share the organization). */
    private List<Account> listed() {
        Set<String> emails = config.accounts().stream().map(a -> a.email().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        List<Account> mine = new ArrayList<>();
        organizations.listAccountsPaginator(r -> {}).forEach(page -> page.accounts().stream()
                .filter(a -> emails.contains(a.email().toLowerCase(Locale.ROOT))).forEach(mine::add));
        return mine;
    }

    @Test
    void apply_whenAccountsAreMissing_createsTheOrganizationAndOneAccountEach() {
        RunState.Org org = new CreateAccounts(clients, organizations).apply(input(config, null));

        assertThat(organizations.describeOrganization().organization().featureSet())
                .isEqualTo(OrganizationFeatureSet.ALL);
        assertThat(org.managementAccountId()).matches("\\d{12}");
        assertThat(org.organizationId()).startsWith("o-");
        assertThat(org.ready()).isFalse();
        assertThat(org.accounts()).extracting(AccountRef::key).containsExactly("infosec", "prod", "non-prod");
        assertThat(org.accounts()).allSatisfy(a -> {
            assertThat(a.requestId()).isNotBlank();
            assertThat(a.attempts()).isEqualTo(1);
            assertThat(a.status()).isIn("IN_PROGRESS", "SUCCEEDED");
        });
        assertThat(org.changes()).filteredOn("Organizations:CreateAccount"::equals).hasSize(3);

        List<Account> listed = listed();
        assertThat(listed).hasSize(3);
        assertThat(listed).extracting(Account::name).containsExactlyInAnyOrder("InfoSec", "Prod", "Non-Prod");
        Account prod = listed.stream().filter(a -> a.name().equals("Prod")).findFirst().orElseThrow();
        assertThat(organizations.listTagsForResource(r -> r.resourceId(prod.id())).tags())
                .anySatisfy(t -> {
                    assertThat(t.key()).isEqualTo(CreateAccounts.KEY_TAG);
                    assertThat(t.value()).isEqualTo("prod");
                });
    }

    @Test
    void apply_whenRunAgainWithTheFirstResult_createsNothingNew() {
        CreateAccounts phase = new CreateAccounts(clients, organizations);
        RunState.Org first = phase.apply(input(config, null));

        RunState.Org second = phase.apply(input(config, first));

        assertThat(listed()).as("accounts with this test's emails").hasSize(3);
        assertThat(second.changes()).as("changing calls on the second apply").isEmpty();
        assertThat(second.accounts()).allSatisfy(a -> assertThat(a.status()).isEqualTo("EXISTING"));
        assertThat(second.accounts()).extracting(AccountRef::id)
                .containsExactlyElementsOf(first.accounts().stream().map(a -> listedId(a.email())).toList());
        assertThat(second.accounts()).extracting(AccountRef::requestId)
                .containsExactlyElementsOf(first.accounts().stream().map(AccountRef::requestId).toList());
    }

    @Test
    void apply_whenRunAgainWithoutThePreviousResult_findsTheAccountsByEmail() {
        CreateAccounts phase = new CreateAccounts(clients, organizations);
        phase.apply(input(config, null));

        RunState.Org again = phase.apply(input(config, null));

        assertThat(listed()).hasSize(3);
        assertThat(again.changes()).isEmpty();
        assertThat(again.accounts()).allSatisfy(a -> {
            assertThat(a.status()).isEqualTo("EXISTING");
            assertThat(a.created()).isTrue();
        });
    }

    private String listedId(String email) {
        return listed().stream().filter(a -> a.email().equalsIgnoreCase(email)).findFirst().orElseThrow().id();
    }

    @Test
    void apply_whenConfigIsInvalid_throwsInvalidConfigBeforeAnyCall() {
        List<String> calls = new ArrayList<>();
        OrganizationsClient recorded = Recording.client(OrganizationsClient.class, organizations, calls);
        OrgConfig.Account prod = config.accounts().get(1);
        List<OrgConfig.Account> accounts = List.of(config.accounts().get(0),
                new OrgConfig.Account(prod.key(), prod.name(), config.accounts().get(0).email(), prod.roles()),
                config.accounts().get(2));
        OrgConfig invalid = new OrgConfig(config.organization(), config.identityAccount(), accounts, config.roles(),
                config.groups(), config.users(), config.passwordPolicy(), config.alerts());

        assertThatThrownBy(() -> new CreateAccounts(clients, recorded).apply(input(invalid, null)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("accounts[1].email");
        assertThat(calls).as("AWS calls").isEmpty();
        assertThat(listed()).isEmpty();
    }
}
