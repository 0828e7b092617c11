package io.palisade.createaccounts;

import io.palisade.common.aws.AnalyzerDelegation;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.ConfigValidator;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.AccountCreationRejectedException;
import io.palisade.common.errors.AccountFailures;
import io.palisade.common.errors.InvalidConfigException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.AccountJoinedMethod;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.organizations.model.CreateAccountState;
import software.amazon.awssdk.services.organizations.model.CreateAccountStatus;
import software.amazon.awssdk.services.organizations.model.Organization;
import software.amazon.awssdk.services.organizations.model.OrganizationFeatureSet;
import software.amazon.awssdk.services.organizations.model.Tag;

/**
 * Ensures the organization (all features) and one member account per configured account.
 * Never creates a second account for the same config entry: an account is found first by
 * its email among the organization's accounts, then by the CreateAccount request this run
 * already recorded, then by an open request of the same name that a lost response left
 * (ListCreateAccountStatus), and only then created, at most
 * {@code organization.maxAccountCreationsInFlight} at a time.
 *
 * <p>It also keeps the guardrails the config wants at the organization's root (SCPs and an RCP,
 * {@link GuardrailsDiff}): made, restored when edited or detached, removed when turned off.
 */
public final class CreateAccounts {
    /** Attempts per account when creation fails for a transient reason. */
    static final int MAX_ATTEMPTS = 3;
    public static final String KEY_TAG = "palisade:key";
    /** Status of an account whose creation waits for a free slot (see maxAccountCreationsInFlight). */
    public static final String QUEUED = "QUEUED";
    private static final Logger LOG = LoggerFactory.getLogger(CreateAccounts.class);

    private final Clients clients;
    private final OrganizationsClient organizations;
    private final OrganizationsClient creator;
    /** Centralized root access; null: not this instance's job (tests of account creation alone). */
    private final RootAccess rootAccess;
    /** The organization's Access Analyzer delegated to the identity account; null: not this instance's job. */
    private final AnalyzerDelegation analyzer;
    /** Security Hub's administrator; null: not this instance's job. */
    private final SecurityHubAdmin securityHub;

    /**
     * @param organizations reads and idempotent changes (the SDK retries them)
     * @param creator       {@code CreateAccount} only: a client that never repeats a request
     *                      (a repeated CreateAccount after a lost response would make a second
     *                      account); a lost one is found again with ListCreateAccountStatus
     */
    public CreateAccounts(Clients clients, OrganizationsClient organizations, OrganizationsClient creator,
                          RootAccess rootAccess, AnalyzerDelegation analyzer, SecurityHubAdmin securityHub) {
        this.clients = clients;
        this.organizations = organizations;
        this.creator = creator;
        this.rootAccess = rootAccess;
        this.analyzer = analyzer;
        this.securityHub = securityHub;
    }

    /** No Security Hub. */
    public CreateAccounts(Clients clients, OrganizationsClient organizations, OrganizationsClient creator,
                          RootAccess rootAccess, AnalyzerDelegation analyzer) {
        this(clients, organizations, creator, rootAccess, analyzer, null);
    }

    /** Account creation only: no centralized root access, no Access Analyzer delegation. */
    public CreateAccounts(Clients clients, OrganizationsClient organizations, OrganizationsClient creator) {
        this(clients, organizations, creator, null, null);
    }

    /** One client for both (tests: an emulator never loses a response unless a proxy makes it). */
    CreateAccounts(Clients clients, OrganizationsClient organizations) {
        this(clients, organizations, organizations);
    }

    public RunState.Org apply(RunState input) {
        OrgConfig config = RunInput.validated(input);
        clients.calls().drain();

        Organization org = ensureOrganization();
        // the guardrails at the root first: a policy AWS would refuse fails the run before any account is made
        GuardrailsDiff guardrails = new GuardrailsDiff(organizations, clients.partition());
        new GuardrailsApply(organizations, guardrails).apply(guardrails.steps(config, org.id()));
        Requests requests = new Requests(listAccounts());
        Map<String, AccountRef> previous = input.org() == null || input.org().accounts() == null ? Map.of()
                : input.org().accounts().stream().collect(Collectors.toMap(AccountRef::key, Function.identity()));
        int limit = config.organization().creationsInFlight();

        List<AccountRef> accounts = new ArrayList<>();
        for (OrgConfig.Account wanted : config.accounts()) {
            AccountRef ref = ensureAccount(wanted, previous.get(wanted.key()), requests, limit);
            if ("IN_PROGRESS".equals(ref.status())) {
                requests.inFlight++;
            }
            accounts.add(ref);
        }
        int queued = (int) accounts.stream().filter(a -> QUEUED.equals(a.status())).count();
        // once per run: on the invocation that leaves no account queued (CreateAccounts runs again while some are)
        List<String> findings = rootAccess == null || queued > 0 ? List.of() : rootAccess.apply(
                RootAccessSurvey.members(List.copyOf(requests.byId.values()), org.masterAccountId(), accounts),
                config.deleteMemberRootCredentials());
        // trusted access for Access Analyzer, and InfoSec its delegated administrator once InfoSec has an id
        // (on AWS a new account has none yet here: AwaitAccounts registers it when the accounts are ready)
        List<String> delegation = analyzer == null ? List.of() : analyzer.apply(RunInput.identityId(accounts, config),
                config.identityAccount()).stream().map(Change::render).toList();
        List<String> hub = securityHub(config, org.masterAccountId(), accounts);
        List<String> changes = new ArrayList<>(clients.calls().drain());
        changes.addAll(delegation);
        changes.addAll(findings);
        changes.addAll(hub);
        return new RunState.Org(org.masterAccountId(), org.id(), accounts, false, 0, null, null, null,
                queued, changes);
    }


    /**
     * The management account's hub and the identity account as Security Hub's administrator, once
     * that account exists (an account still being created has no id: a later run designates it,
     * and until then plan and drift show it). Returns the changes made, rendered.
     */
    private List<String> securityHub(OrgConfig config, String managementId, List<AccountRef> accounts) {
        if (securityHub == null || !config.securityHubEnabled()) {
            return List.of();
        }
        AccountRef identity = accounts.stream().filter(a -> a.key().equals(config.identityAccount()))
                .findFirst().orElseThrow();
        if (identity.id() == null || QUEUED.equals(identity.status()) || "IN_PROGRESS".equals(identity.status())) {
            LOG.info("Security Hub: account {} does not exist yet; its designation as administrator waits for a "
                    + "later run", identity.key());
            return List.of();
        }
        return securityHub.apply(config, new io.palisade.common.aws.Change.Account(managementId, OrgConfig.MANAGEMENT),
                new io.palisade.common.aws.Change.Account(identity.id(), identity.key())).stream()
                .map(io.palisade.common.aws.Change::render).toList();
    }

    private Organization ensureOrganization() {
        Organization org;
        try {
            org = organizations.describeOrganization().organization();
        } catch (AwsOrganizationsNotInUseException e) {
            LOG.info("No organization yet: creating one with all features");
            // a lost response leaves an organization: AlreadyInOrganizationException, then read it
            org = ChangeExecutor.create("organizations:organization", "ALL",
                    () -> organizations.createOrganization(r -> r.featureSet(OrganizationFeatureSet.ALL))
                            .organization(),
                    () -> organizations.describeOrganization().organization());
        }
        return RunInput.requireAllFeatures(org);
    }

    private List<Account> listAccounts() {
        return RunInput.listAccounts(organizations);
    }

    /** What the organization has: accounts by email and id, and (read once, if needed) open requests. */
    private final class Requests {
        final Map<String, Account> byEmail;
        final Map<String, Account> byId;
        final Set<String> claimed = new HashSet<>();
        List<CreateAccountStatus> open;
        int inFlight;

        Requests(List<Account> accounts) {
            byEmail = accounts.stream().collect(Collectors.toMap(a -> a.email().toLowerCase(Locale.ROOT),
                    Function.identity(), (a, b) -> a));
            byId = accounts.stream().collect(Collectors.toMap(Account::id, Function.identity(), (a, b) -> a));
        }

        Account byEmail(String email) {
            return byEmail.get(email.toLowerCase(Locale.ROOT));
        }

        /**
         * A request for this account that a lost CreateAccount response (or a run that died)
         * left behind: same account name, IN_PROGRESS or SUCCEEDED, not claimed by another
         * config entry, and, if it made an account, one that is not another email's.
         */
        Optional<CreateAccountStatus> lost(OrgConfig.Account wanted) {
            if (open == null) {
                open = new ArrayList<>();
                organizations.listCreateAccountStatusPaginator(r -> r.states(
                                CreateAccountState.IN_PROGRESS, CreateAccountState.SUCCEEDED))
                        .forEach(page -> open.addAll(page.createAccountStatuses()));
            }
            return open.stream()
                    .filter(s -> wanted.name().equals(s.accountName()) && !claimed.contains(s.id()))
                    .filter(s -> s.accountId() == null || !byId.containsKey(s.accountId())
                            || wanted.email().equalsIgnoreCase(byId.get(s.accountId()).email()))
                    .max(Comparator.comparing(s -> s.requestedTimestamp() == null ? java.time.Instant.EPOCH
                            : s.requestedTimestamp()));
        }
    }

    private AccountRef ensureAccount(OrgConfig.Account wanted, AccountRef previous, Requests requests, int limit) {
        AccountRef ref = new AccountRef(wanted.key(), wanted.name(), wanted.email(), null, null, null, null, 0);
        Account existing = requests.byEmail(wanted.email());
        if (existing != null) {
            LOG.info("Account {} exists: {}", wanted.key(), existing.id());
            return new AccountRef(wanted.key(), wanted.name(), wanted.email(), existing.id(),
                    previous == null ? null : previous.requestId(),
                    RunInput.foundStatus(existing), null,
                    previous == null ? 0 : previous.attempts());
        }
        int attempts = previous == null || previous.attempts() == null ? 0 : previous.attempts();
        if (previous != null && previous.requestId() != null) {
            requests.claimed.add(previous.requestId());
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
        } else {
            Optional<CreateAccountStatus> lost = requests.lost(wanted);
            if (lost.isPresent()) {
                CreateAccountStatus s = lost.get();
                requests.claimed.add(s.id());
                LOG.info("Account {}: adopting request {} ({}), made by an attempt whose answer was lost",
                        wanted.key(), s.id(), s.stateAsString());
                return ref.withRequest(s.id(), s.stateAsString(), Math.max(attempts, 1))
                        .withStatus(s.stateAsString(), s.accountId(), null);
            }
        }
        if (requests.inFlight >= limit) {
            LOG.info("Account {} waits: {} creations in flight (limit {})", wanted.key(), requests.inFlight, limit);
            return ref.withStatus(QUEUED, null, null);
        }
        LOG.info("Creating account {} ({})", wanted.key(), wanted.name());
        CreateAccountStatus created = creator.createAccount(r -> r
                        .accountName(wanted.name())
                        .email(wanted.email())
                        .iamUserAccessToBilling("ALLOW")
                        .tags(Tag.builder().key(KEY_TAG).value(wanted.key()).build()))
                .createAccountStatus();
        requests.claimed.add(created.id());
        return ref.withRequest(created.id(), created.stateAsString(), attempts + 1)
                .withStatus(created.stateAsString(), created.accountId(), null);
    }
}
