package io.palisade.awaitaccounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.palisade.common.Deadline;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.model.CreateAccountStatus;

/** Polls account creation in the emulated organization (moto) until the accounts are usable. */
class AwaitAccountsIT {
    private Clients clients;
    private OrganizationsClient organizations;
    private OrgConfig config;

    @BeforeEach
    void organization() {
        clients = Emulator.clients();
        organizations = clients.build(OrganizationsClient.builder());
        config = Emulator.config("aw" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** What create-accounts hands over: each account's CreateAccount request, not yet known to be ready. */
    private RunState.Org requested() {
        String management;
        try {
            management = organizations.describeOrganization().organization().masterAccountId();
        } catch (AwsOrganizationsNotInUseException e) {
            management = organizations.createOrganization(r -> r.featureSet("ALL")).organization().masterAccountId();
        }
        List<AccountRef> refs = new ArrayList<>();
        for (OrgConfig.Account a : config.accounts()) {
            CreateAccountStatus s = organizations.createAccount(r -> r.accountName(a.name()).email(a.email()))
                    .createAccountStatus();
            refs.add(new AccountRef(a.key(), a.name(), a.email(), null, s.id(), "IN_PROGRESS", null, 1));
        }
        return new RunState.Org(management, "o-it", refs, false, 0, null, null, null, 0, List.of());
    }

    private RunState input(RunState.Org org) {
        return new RunState(RunState.BOOTSTRAP, config, null, new RunState.Run("it", null), org, null, null, null,
                null, null, null);
    }

    private RunState.Org awaitReady(AwaitAccounts phase, RunState.Org org) {
        RunState.Org now = org;
        for (int i = 0; i < 10 && !Boolean.TRUE.equals(now.ready()); i++) {
            now = phase.apply(input(now));
        }
        return now;
    }

    @Test
    void apply_whenAccountsAreCreatedAndUsable_isReadyWithIdentityMembersAndTargets() {
        RunState.Org org = awaitReady(new AwaitAccounts(clients, organizations), requested());

        assertThat(org.ready()).isTrue();
        assertThat(org.polls()).isPositive();
        assertThat(org.accounts()).allSatisfy(a -> {
            assertThat(a.status()).isEqualTo("SUCCEEDED");
            assertThat(a.id()).matches("\\d{12}");
        });
        String infosec = org.account("infosec").id();
        assertThat(org.identity()).isEqualTo(new RunState.Target("infosec", infosec));
        assertThat(org.members()).containsExactly(
                new RunState.Target("prod", org.account("prod").id()),
                new RunState.Target("non-prod", org.account("non-prod").id()),
                new RunState.Target(OrgConfig.MANAGEMENT, org.managementAccountId()));
        assertThat(org.targets()).first().isEqualTo(org.identity());
        assertThat(org.targets()).hasSize(4).containsAll(org.members());
        assertThat(org.targets()).extracting(RunState.Target::accountId).doesNotHaveDuplicates();
        assertThat(org.changes()).isEmpty();
    }

    @Test
    void apply_whenAlreadyReady_staysReadyWithTheSameTargets() {
        AwaitAccounts phase = new AwaitAccounts(clients, organizations);
        RunState.Org ready = awaitReady(phase, requested());

        RunState.Org again = phase.apply(input(ready));

        assertThat(again.ready()).isTrue();
        assertThat(again.targets()).isEqualTo(ready.targets());
        assertThat(again.polls()).isEqualTo(ready.polls() + 1);
    }

    @Test
    void usable_whenAccessRoleCanBeAssumed_isTrue() {
        RunState.Org ready = awaitReady(new AwaitAccounts(clients, organizations), requested());

        assertThat(new AwaitAccounts(clients, organizations).usable(ready.account("prod"), ready.managementAccountId()))
                .isTrue();
    }

    @Test
    void apply_whenTheInvocationHasNoTimeLeft_looksAtNoAccountAndTheNextPollGoesOn() {
        AwaitAccounts phase = new AwaitAccounts(clients, organizations);
        RunState.Org requested = requested();

        RunState.Org late = phase.apply(input(requested), Deadline.in(Duration.ZERO));

        assertThat(late.ready()).isFalse();
        assertThat(late.polls()).isEqualTo(1);
        assertThat(late.accounts()).extracting(AccountRef::requestId)
                .containsExactlyElementsOf(requested.accounts().stream().map(AccountRef::requestId).toList());
        assertThat(late.accounts()).noneMatch(AccountRef::provedUsable);
        assertThat(awaitReady(phase, late).ready()).isTrue();
    }

    @Test
    void apply_whenTimeRunsOutAfterOneLook_keepsThatAccountUsableAndReturnsNotReady() {
        AwaitAccounts phase = new AwaitAccounts(clients, organizations);
        RunState.Org created = phase.apply(input(requested()), Deadline.in(Duration.ZERO));
        created = phase.apply(input(created), Deadline.from(countdown(3 + 1)));

        assertThat(created.ready()).isFalse();
        assertThat(created.accounts()).allMatch(AccountRef::created);
        assertThat(created.accounts().stream().filter(AccountRef::provedUsable)).hasSize(1);

        RunState.Org ready = phase.apply(input(created));
        assertThat(ready.ready()).isTrue();
        assertThat(ready.accounts()).allMatch(AccountRef::provedUsable);
    }

    /** A deadline with time for {@code calls} more looks at the clock, then none. */
    private static java.util.function.LongSupplier countdown(int calls) {
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(calls);
        return () -> left.getAndDecrement() > 0 ? Long.MAX_VALUE : 0;
    }
}
