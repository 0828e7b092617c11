package io.palisade.awaitaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.AccountCreationTransientException;
import io.palisade.common.errors.AccountEmailAlreadyExistsException;
import io.palisade.common.errors.AccountNotReadyException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import io.palisade.common.testkit.Recording;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.ListAccountsRequest;
import software.amazon.awssdk.services.organizations.model.ListAccountsResponse;
import software.amazon.awssdk.services.organizations.model.CreateAccountState;
import software.amazon.awssdk.services.organizations.model.DescribeCreateAccountStatusRequest;
import software.amazon.awssdk.services.organizations.model.DescribeCreateAccountStatusResponse;

/** One poll against a scripted Organizations API (no account becomes usable here). */
class AwaitAccountsTest {
    private final Clients clients = new Clients(Region.US_EAST_1, null, null, null);
    private final OrgConfig config = Emulator.config("unit");
    private final List<String> calls = new ArrayList<>();

    private OrganizationsClient statuses(CreateAccountState state, String reason) {
        return Recording.stub(OrganizationsClient.class, calls, request -> {
            if (request instanceof DescribeCreateAccountStatusRequest r) {
                return DescribeCreateAccountStatusResponse.builder().createAccountStatus(s -> s
                        .id(r.createAccountRequestId()).state(state).failureReason(reason)).build();
            }
            if (request instanceof ListAccountsRequest) {
                // no account of the organization has the email: it belongs to another AWS account
                return ListAccountsResponse.builder().accounts(List.of()).build();
            }
            return new UnsupportedOperationException(String.valueOf(request));
        });
    }

    private RunState input(int polls) {
        List<AccountRef> refs = config.accounts().stream().map(a -> new AccountRef(a.key(), a.name(), a.email(),
                null, "car-" + a.key(), "IN_PROGRESS", null, 1)).toList();
        RunState.Org org = new RunState.Org("111111111111", "o-unit", refs, false, polls, null, null, null, 0, List.of());
        return new RunState(null, config, null, null, org, null, null, null, null, null, null);
    }

    @Test
    void apply_whenCreationIsInProgress_isNotReadyAndCountsThePoll() {
        RunState.Org org = new AwaitAccounts(clients, statuses(CreateAccountState.IN_PROGRESS, null)).apply(input(3));

        assertThat(org.ready()).isFalse();
        assertThat(org.polls()).isEqualTo(4);
        assertThat(org.targets()).isNull();
        assertThat(org.accounts()).extracting(AccountRef::requestId).containsExactly("car-infosec", "car-prod",
                "car-non-prod");
        assertThat(calls).containsOnly("describeCreateAccountStatus").hasSize(3);
    }

    @Test
    void apply_whenPollsRunOut_throwsAccountNotReady() {
        assertThatThrownBy(() -> new AwaitAccounts(clients, statuses(CreateAccountState.IN_PROGRESS, null))
                .apply(input(AwaitAccounts.MAX_POLLS - 1)))
                .isInstanceOf(AccountNotReadyException.class)
                .hasMessageContaining("[infosec, prod, non-prod]");
    }

    @Test
    void apply_whenCreationFailedTransiently_throwsTheTransientErrorTheStateMachineRetries() {
        assertThatThrownBy(() -> new AwaitAccounts(clients,
                statuses(CreateAccountState.FAILED, "CONCURRENT_ACCOUNT_MODIFICATION")).apply(input(0)))
                .isInstanceOf(AccountCreationTransientException.class)
                .hasMessageContaining("'infosec'");
    }

    @Test
    void apply_whenEmailIsTaken_throwsAccountEmailAlreadyExists() {
        assertThatThrownBy(() -> new AwaitAccounts(clients,
                statuses(CreateAccountState.FAILED, "EMAIL_ALREADY_EXISTS")).apply(input(0)))
                .isInstanceOf(AccountEmailAlreadyExistsException.class)
                .hasMessageContaining("give this account its own email");
    }

    @Test
    void apply_whenAnInvitedAccountHasNoAccessRole_failsAtOnceSayingHowToAddIt() {
        // STS denies AssumeRole of the access role, as in an account invited without one
        Clients denying = stsDenyingEveryCall();
        List<AccountRef> refs = config.accounts().stream().map(a -> new AccountRef(a.key(), a.name(), a.email(),
                "33333333333" + a.key().length(), null, AccountRef.INVITED, null, 0)).toList();
        RunState.Org org = new RunState.Org("111111111111", "o-unit", refs, false, 0, null, null, null, 0, List.of());

        assertThatThrownBy(() -> new AwaitAccounts(denying, statuses(CreateAccountState.SUCCEEDED, null))
                .apply(new RunState(null, config, null, null, org, null, null, null, null, null, null)))
                .isInstanceOf(io.palisade.common.errors.AccessRoleMissingException.class)
                .hasMessageContaining("joined the organization by invitation")
                .hasMessageContaining("OrganizationAccountAccessRole trusting arn:aws:iam::111111111111:root");
    }

    @Test
    void apply_whenAnAccountWasProvedUsableByAnEarlierPoll_doesNotLookAgain() {
        // any look would fail: STS denies every AssumeRole
        Clients denying = stsDenyingEveryCall();
        List<AccountRef> proved = config.accounts().stream().map(a -> new AccountRef(a.key(), a.name(), a.email(),
                "44444444444" + a.key().length(), "car-" + a.key(), "SUCCEEDED", null, 1).asUsable()).toList();
        List<AccountRef> unproved = config.accounts().stream().map(a -> new AccountRef(a.key(), a.name(), a.email(),
                "44444444444" + a.key().length(), "car-" + a.key(), "SUCCEEDED", null, 1)).toList();
        AwaitAccounts phase = new AwaitAccounts(denying, statuses(CreateAccountState.SUCCEEDED, null));

        RunState.Org again = phase.apply(withAccounts(proved));
        RunState.Org first = phase.apply(withAccounts(unproved));

        assertThat(again.ready()).isTrue();
        assertThat(again.accounts()).allMatch(AccountRef::provedUsable);
        assertThat(first.ready()).isFalse();
        assertThat(first.accounts()).noneMatch(AccountRef::provedUsable);
        assertThat(calls).isEmpty();
    }

    /** Clients whose every call (STS AssumeRole first) answers 403 AccessDenied. */
    private static Clients stsDenyingEveryCall() {
        return new Clients(Region.US_EAST_1, java.net.URI.create("https://localhost:1"),
                new io.palisade.common.testkit.CannedHttpClient(403, "AccessDenied"),
                software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIDMGMT", "secret")));
    }

    private RunState withAccounts(List<AccountRef> refs) {
        return new RunState(null, config, null, null,
                new RunState.Org("111111111111", "o-unit", refs, false, 1, null, null, null, 0, List.of()),
                null, null, null, null, null, null);
    }
}
