package io.palisade.createaccounts;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.ConfigValidator;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.AccountCreationRejectedException;
import io.palisade.common.errors.AccountFailures;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.model.CreateAccountStatus;
import software.amazon.awssdk.services.organizations.model.Organization;
import software.amazon.awssdk.services.organizations.model.OrganizationFeatureSet;
import software.amazon.awssdk.services.organizations.model.Tag;

/**
 * Ensures the organization (all features) and one member account per configured account.
 * Never creates a second account for the same config entry: an account is found first by
 * its email among the organization's accounts, then by the CreateAccount request this run
 * already recorded (a retry after a lost response), and only then created.
 */
public final class CreateAccounts {
    /** Attempts per account when creation fails for a transient reason. */
    static final int MAX_ATTEMPTS = 3;
    public static final String KEY_TAG = "palisade:key";
    private static final Logger LOG = LoggerFactory.getLogger(CreateAccounts.class);

    private final Clients clients;
    private final OrganizationsClient organizations;

    public CreateAccounts(Clients clients, OrganizationsClient organizations) {
        this.clients = clients;
        this.organizations = organizations;
    }

    public RunState.Org apply(RunState input) {
        if (input.config() == null) {
            throw new InvalidConfigException("Invalid input: config is required (the organization config as JSON)");
        }
        OrgConfig config = ConfigValidator.validate(input.config());
        ConfigValidator.validateLogin(input.oneTimeLogin(), config);
        if (input.mode() != null && !List.of(RunState.BOOTSTRAP, RunState.DRIFT).contains(input.mode())) {
            throw new InvalidConfigException("Invalid input: mode '" + input.mode() + "' must be bootstrap or drift");
        }
        clients.calls().drain();

        Organization org = ensureOrganization();
        Map<String, Account> byEmail = listAccounts().stream()
                .collect(Collectors.toMap(a -> a.email().toLowerCase(Locale.ROOT), Function.identity(), (a, b) -> a));
        Map<String, AccountRef> previous = input.org() == null || input.org().accounts() == null ? Map.of()
                : input.org().accounts().stream().collect(Collectors.toMap(AccountRef::key, Function.identity()));

        List<AccountRef> accounts = new ArrayList<>();
        for (OrgConfig.Account wanted : config.accounts()) {
            accounts.add(ensureAccount(wanted, byEmail.get(wanted.email().toLowerCase(Locale.ROOT)),
                    previous.get(wanted.key())));
        }
        return new RunState.Org(org.masterAccountId(), org.id(), accounts, false, 0, null, null, null,
                clients.calls().drain());
    }

    private Organization ensureOrganization() {
        try {
            Organization org = organizations.describeOrganization().organization();
            if (org.featureSet() != OrganizationFeatureSet.ALL) {
                throw new AccountCreationRejectedException("The organization " + org.id()
                        + " has only consolidated billing; enable all features before running Palisade");
            }
            return org;
        } catch (AwsOrganizationsNotInUseException e) {
            LOG.info("No organization yet: creating one with all features");
            return organizations.createOrganization(r -> r.featureSet(OrganizationFeatureSet.ALL)).organization();
        }
    }

    private List<Account> listAccounts() {
        List<Account> all = new ArrayList<>();
        organizations.listAccountsPaginator(r -> {}).forEach(page -> all.addAll(page.accounts()));
        return all;
    }

    private AccountRef ensureAccount(OrgConfig.Account wanted, Account existing, AccountRef previous) {
        AccountRef ref = new AccountRef(wanted.key(), wanted.name(), wanted.email(), null, null, null, null, 0);
        if (existing != null) {
            LOG.info("Account {} exists: {}", wanted.key(), existing.id());
            return new AccountRef(wanted.key(), wanted.name(), wanted.email(), existing.id(),
                    previous == null ? null : previous.requestId(), "EXISTING", null,
                    previous == null ? 0 : previous.attempts());
        }
        int attempts = previous == null || previous.attempts() == null ? 0 : previous.attempts();
        if (previous != null && previous.requestId() != null) {
            CreateAccountStatus status = organizations
                    .describeCreateAccountStatus(r -> r.createAccountRequestId(previous.requestId()))
                    .createAccountStatus();
            String state = status.stateAsString();
            if (!"FAILED".equals(state)) {
                // still in progress or done: never ask for the same account twice
                return previous.withStatus(state, status.accountId(), null);
            }
            String reason = status.failureReasonAsString();
            if (!AccountFailures.isTransient(reason) || attempts >= MAX_ATTEMPTS) {
                throw AccountFailures.of(wanted.key(), reason);
            }
        }
        LOG.info("Creating account {} ({})", wanted.key(), wanted.name());
        CreateAccountStatus created = organizations.createAccount(r -> r
                        .accountName(wanted.name())
                        .email(wanted.email())
                        .iamUserAccessToBilling("ALLOW")
                        .tags(Tag.builder().key(KEY_TAG).value(wanted.key()).build()))
                .createAccountStatus();
        return ref.withRequest(created.id(), created.stateAsString(), attempts + 1)
                .withStatus(created.stateAsString(), created.accountId(), null);
    }
}
