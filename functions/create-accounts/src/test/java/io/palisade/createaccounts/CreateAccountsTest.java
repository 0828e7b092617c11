package io.palisade.createaccounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.OneTimeLoginRequest;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.AccountCreationTransientException;
import io.palisade.common.errors.AccountEmailAlreadyExistsException;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import io.palisade.common.testkit.Emulator;
import io.palisade.common.testkit.Recording;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.CreateAccountStatus;
import software.amazon.awssdk.services.organizations.model.ListCreateAccountStatusRequest;
import software.amazon.awssdk.services.organizations.model.ListCreateAccountStatusResponse;
import software.amazon.awssdk.services.organizations.model.OrganizationsException;
import software.amazon.awssdk.services.organizations.model.CreateAccountRequest;
import software.amazon.awssdk.services.organizations.model.CreateAccountResponse;
import software.amazon.awssdk.services.organizations.model.CreateAccountState;
import software.amazon.awssdk.services.organizations.model.DescribeCreateAccountStatusRequest;
import software.amazon.awssdk.services.organizations.model.DescribeCreateAccountStatusResponse;
import software.amazon.awssdk.services.organizations.model.DescribeOrganizationRequest;
import software.amazon.awssdk.services.organizations.model.DescribeOrganizationResponse;
import software.amazon.awssdk.services.organizations.model.ListAccountsRequest;
import software.amazon.awssdk.services.organizations.model.ListAccountsResponse;
import software.amazon.awssdk.services.organizations.model.ListPoliciesRequest;
import software.amazon.awssdk.services.organizations.model.ListRootsRequest;
import software.amazon.awssdk.services.organizations.model.OrganizationFeatureSet;

/** The phase against a scripted Organizations API: validation order and retry decisions. */
class CreateAccountsTest {
    private final Clients clients = new Clients(Region.US_EAST_1, null, null, null);
    private final OrgConfig config = GuardrailsFixtures.off(Emulator.config("unit"));
    private final List<String> calls = new ArrayList<>();

    private static RunState input(OrgConfig config, OneTimeLoginRequest login, String mode, RunState.Org org) {
        return new RunState(mode, config, login, null, org, null, null, null, null, null, null);
    }

    /** An organization with no member accounts whose earlier CreateAccount requests ended in {@code failure}. */
    private OrganizationsClient organizations(String failure) {
        return Recording.stub(OrganizationsClient.class, calls, request -> switch (request) {
            case DescribeOrganizationRequest r -> DescribeOrganizationResponse.builder()
                    .organization(o -> o.id("o-unit").masterAccountId("111111111111")
                            .featureSet(OrganizationFeatureSet.ALL)).build();
            case ListAccountsRequest r -> ListAccountsResponse.builder().accounts(List.of()).build();
            case ListRootsRequest r -> GuardrailsFixtures.root();
            case ListPoliciesRequest r -> GuardrailsFixtures.noPolicies();
            case ListCreateAccountStatusRequest r -> ListCreateAccountStatusResponse.builder().build();
            case DescribeCreateAccountStatusRequest r -> DescribeCreateAccountStatusResponse.builder()
                    .createAccountStatus(s -> s.id(r.createAccountRequestId()).state(CreateAccountState.FAILED)
                            .failureReason(failure)).build();
            case CreateAccountRequest r -> CreateAccountResponse.builder()
                    .createAccountStatus(s -> s.id("car-new-" + r.email()).state(CreateAccountState.IN_PROGRESS))
                    .build();
            default -> new UnsupportedOperationException(String.valueOf(request));
        });
    }

    private RunState.Org previous(int attempts) {
        List<AccountRef> refs = config.accounts().stream().map(a -> new AccountRef(a.key(), a.name(), a.email(),
                null, "car-old-" + a.key(), "IN_PROGRESS", null, attempts)).toList();
        return new RunState.Org("111111111111", "o-unit", refs, false, 1, null, null, null, 0, List.of());
    }

    @Test
    void apply_whenConfigIsMissing_throwsInvalidConfigWithoutCalls() {
        assertThatThrownBy(() -> new CreateAccounts(clients, organizations(null)).apply(input(null, null, null, null)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("config is required");
        assertThat(calls).isEmpty();
    }

    @Test
    void apply_whenModeIsUnknown_throwsInvalidConfigWithoutCalls() {
        assertThatThrownBy(() -> new CreateAccounts(clients, organizations(null))
                .apply(input(config, null, "destroy", null)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("mode 'destroy'");
        assertThat(calls).isEmpty();
    }

    @Test
    void apply_whenOneTimeLoginNamesUnknownUser_throwsInvalidConfigWithoutCalls() {
        assertThatThrownBy(() -> new CreateAccounts(clients, organizations(null))
                .apply(input(config, new OneTimeLoginRequest("Mallory", "x"), null, null)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("oneTimeLogin.user 'Mallory'");
        assertThat(calls).isEmpty();
    }

    @Test
    void apply_whenEarlierCreationFailedTransiently_createsTheAccountAgain() {
        RunState.Org org = new CreateAccounts(clients, organizations("CONCURRENT_ACCOUNT_MODIFICATION"))
                .apply(input(config, null, null, previous(1)));

        assertThat(calls).filteredOn("createAccount"::equals).hasSize(3);
        assertThat(org.accounts()).allSatisfy(a -> {
            assertThat(a.attempts()).isEqualTo(2);
            assertThat(a.requestId()).startsWith("car-new-");
        });
    }

    @Test
    void apply_whenTransientFailuresUsedEveryAttempt_throwsTheTransientError() {
        assertThatThrownBy(() -> new CreateAccounts(clients, organizations("INTERNAL_FAILURE"))
                .apply(input(config, null, null, previous(CreateAccounts.MAX_ATTEMPTS))))
                .isInstanceOf(AccountCreationTransientException.class)
                .hasMessageContaining("'infosec'");
        assertThat(calls).doesNotContain("createAccount");
    }

    @Test
    void apply_whenEarlierCreationFailedPermanently_throwsTheNamedError() {
        assertThatThrownBy(() -> new CreateAccounts(clients, organizations("EMAIL_ALREADY_EXISTS"))
                .apply(input(config, null, null, previous(1))))
                .isInstanceOf(AccountEmailAlreadyExistsException.class);
        assertThat(calls).doesNotContain("createAccount");
    }

    /**
     * Organizations as AWS behaves when a CreateAccount response is lost: the request was made
     * (it shows in ListCreateAccountStatus, IN_PROGRESS) but the caller got a 500. Here the
     * first request's answer is lost; later ones are answered.
     */
    private OrganizationsClient losingCreates(List<CreateAccountStatus> requests) {
        return Recording.stub(OrganizationsClient.class, calls, request -> switch (request) {
            case DescribeOrganizationRequest r -> DescribeOrganizationResponse.builder()
                    .organization(o -> o.id("o-unit").masterAccountId("111111111111")
                            .featureSet(OrganizationFeatureSet.ALL)).build();
            case ListAccountsRequest r -> ListAccountsResponse.builder().accounts(List.of()).build();
            case ListRootsRequest r -> GuardrailsFixtures.root();
            case ListPoliciesRequest r -> GuardrailsFixtures.noPolicies();
            case ListCreateAccountStatusRequest r -> ListCreateAccountStatusResponse.builder()
                    .createAccountStatuses(requests.stream().filter(s -> r.states().contains(s.state())).toList())
                    .build();
            case CreateAccountRequest r -> {
                requests.add(CreateAccountStatus.builder().id("car-" + requests.size()).accountName(r.accountName())
                        .state(CreateAccountState.IN_PROGRESS).build());
                if (requests.size() > 1) { // only the first answer is lost
                    yield CreateAccountResponse.builder().createAccountStatus(requests.get(requests.size() - 1))
                            .build();
                }
                yield OrganizationsException.builder().statusCode(500).awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("ServiceException").errorMessage("lost").build()).build();
            }
            default -> new UnsupportedOperationException(String.valueOf(request));
        });
    }

    @Test
    void apply_whenCreateAccountAnswerWasLost_adoptsTheRequestInsteadOfCreatingAgain() {
        List<CreateAccountStatus> requests = new ArrayList<>();
        CreateAccounts phase = new CreateAccounts(clients, losingCreates(requests));

        assertThatThrownBy(() -> phase.apply(input(config, null, null, null)))
                .isInstanceOf(OrganizationsException.class);
        RunState.Org org = phase.apply(input(config, null, null, null));

        assertThat(requests).hasSize(config.accounts().size());
        assertThat(calls).filteredOn("createAccount"::equals).hasSize(config.accounts().size());
        assertThat(org.accounts()).extracting(AccountRef::requestId).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(org.accounts()).extracting(AccountRef::status).containsOnly("IN_PROGRESS");
    }

    @Test
    void apply_whenMoreAccountsThanTheInFlightLimit_createsUpToTheLimitAndQueuesTheRest() {
        var organization = config.organization();
        OrgConfig limited = new OrgConfig(new OrgConfig.Organization(organization.name(), organization.region(),
                organization.managementRoles(), 1), config.identityAccount(), config.accounts(), config.roles(),
                config.groups(), config.users(), config.passwordPolicy(), config.alerts(), config.guardrails());

        RunState.Org org = new CreateAccounts(clients, organizations(null)).apply(input(limited, null, null, null));

        assertThat(calls).filteredOn("createAccount"::equals).hasSize(1);
        assertThat(org.accounts()).extracting(AccountRef::status)
                .containsExactly("IN_PROGRESS", CreateAccounts.QUEUED, CreateAccounts.QUEUED);
        assertThat(org.queued()).isEqualTo(2);
    }
}
