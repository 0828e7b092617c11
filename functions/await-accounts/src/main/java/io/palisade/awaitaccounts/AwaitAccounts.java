package io.palisade.awaitaccounts;

import io.palisade.common.aws.OrganizationAccess;
import io.palisade.common.Deadline;
import io.palisade.common.aws.AnalyzerDelegation;
import io.palisade.common.Names;
import io.palisade.common.aws.Clients;
import io.palisade.common.errors.AccountFailures;
import io.palisade.common.aws.AwsErrors;
import io.palisade.common.aws.Parallel;
import io.palisade.common.errors.AccessRoleMissingException;
import io.palisade.common.errors.AccountNotReadyException;
import io.palisade.common.errors.TransientAwsException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.CreateAccountStatus;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.model.Account;

/**
 * One non-blocking look at every pending account creation; the state machine's Wait/Choice
 * loop calls it again until {@code ready}. An account is ready when its creation SUCCEEDED
 * (or it already existed) and its access role can be assumed: no fixed sleep.
 */
public final class AwaitAccounts {
    /** Polls before giving up (the state machine waits between polls). */
    static final int MAX_POLLS = 120;
    /**
     * Time a poll keeps to return in: no new look starts with less left. A look is an AssumeRole
     * and a GetRole (seconds with the SDK's retries); the rest is writing the org to the run bucket.
     */
    static final Duration RESERVE = Duration.ofSeconds(45);
    private static final Logger LOG = LoggerFactory.getLogger(AwaitAccounts.class);

    private final Clients clients;
    private final OrganizationsClient organizations;
    /** The organization's Access Analyzer delegated to the identity account; null: not this instance's job. */
    private final AnalyzerDelegation analyzer;

    public AwaitAccounts(Clients clients, OrganizationsClient organizations, AnalyzerDelegation analyzer) {
        this.clients = clients;
        this.organizations = organizations;
        this.analyzer = analyzer;
    }

    /** Accounts only: no Access Analyzer delegation. */
    public AwaitAccounts(Clients clients, OrganizationsClient organizations) {
        this(clients, organizations, null);
    }

    public RunState.Org apply(RunState input) {
        return apply(input, Deadline.none());
    }

    /**
     * One poll. An account whose access role was proved usable by an earlier poll of this run is
     * not looked at again, and no look starts once {@code deadline} leaves less than {@link #RESERVE}:
     * such a poll returns {@code ready=false} with what it learnt, and the next poll goes on from
     * there. So a poll over 300 new accounts never runs into the Lambda timeout, which would
     * lose every look it made.
     */
    public RunState.Org apply(RunState input, Deadline deadline) {
        RunState.Org org = input.org();
        int polls = (org.polls() == null ? 0 : org.polls()) + 1;
        List<AccountRef> accounts = new ArrayList<>();
        Map<String, Account> byEmail = null;
        for (AccountRef account : org.accounts()) {
            AccountRef now = deadline.leaves(RESERVE) ? refresh(account) : account;
            if ("FAILED".equals(now.status()) && "EMAIL_ALREADY_EXISTS".equals(now.failureReason())) {
                // an account of this organization may already have the email: one that an
                // attempt whose answer was lost created, or one made by hand; adopt it
                if (byEmail == null) {
                    byEmail = accountsByEmail();
                }
                Account existing = byEmail.get(now.email().toLowerCase(Locale.ROOT));
                if (existing != null) {
                    LOG.info("Account {}: adopting {} of this organization, which has its email", now.key(),
                            existing.id());
                    now = now.withStatus("EXISTING", existing.id(), null);
                }
            }
            if ("FAILED".equals(now.status())) {
                // transient reasons surface as AccountCreationTransientException: the state machine creates again
                throw AccountFailures.of(now.key(), now.failureReason());
            }
            accounts.add(now);
        }
        // each created account's access role, a few accounts at a time (a read in each account)
        List<AccountRef> looked = Parallel.map(accounts, a -> a.provedUsable() || !a.created()
                || !deadline.leaves(RESERVE) || !usable(a, org.managementAccountId()) ? a : a.asUsable());
        accounts = new ArrayList<>(looked);
        boolean ready = accounts.stream().allMatch(AccountRef::provedUsable);
        long unlooked = accounts.stream().filter(a -> a.created() && !a.provedUsable()).count();
        if (!ready && polls >= MAX_POLLS) {
            throw new AccountNotReadyException("Member accounts were not usable after " + polls + " polls: "
                    + accounts.stream().filter(a -> !a.provedUsable()).map(AccountRef::key).toList());
        }
        LOG.info("Poll {}: accounts {}; {} of {} usable, {} created but not usable yet, {}", polls,
                ready ? "ready" : "not ready yet", accounts.stream().filter(AccountRef::provedUsable).count(),
                accounts.size(), unlooked, deadline);
        int queued = (int) accounts.stream().filter(a -> "QUEUED".equals(a.status())).count();
        // the organization step's rendered changes and findings ("+ iam:organizations-feature RootSessions",
        // "! iam:root-access-key prod/AKIA...") go on to the run report; its call log does not (one line per
        // CreateAccount would grow the payload with the accounts)
        List<String> kept = org.changes() == null ? List.of()
                : org.changes().stream().filter(AwaitAccounts::rendered).toList();
        if (!ready) {
            return new RunState.Org(org.managementAccountId(), org.organizationId(), accounts, false, polls,
                    null, null, null, queued, kept);
        }
        if (analyzer != null) {
            // CreateAccounts registers InfoSec as Access Analyzer's delegated administrator when InfoSec already has
            // an id; a new InfoSec gets one only while this phase polls (on AWS), so the ready poll makes sure of it
            // before ApplyIdentityAccount makes the organization's analyzer there. Two reads when it is done.
            String identity = input.config().identityAccount();
            String identityId = accounts.stream().filter(a -> a.key().equals(identity) && a.id() != null)
                    .map(AccountRef::id).findFirst().orElse(null);
            List<String> withDelegation = new ArrayList<>(kept);
            analyzer.apply(identityId, identity).forEach(c -> withDelegation.add(c.render()));
            kept = withDelegation;
        }
        return RunState.Org.ready(org.managementAccountId(), org.organizationId(), accounts,
                input.config().identityAccount(), polls, kept);
    }

    /** A change or finding line ({@code + }, {@code ~ }, {@code - }, {@code ! }), not a call-log entry. */
    static boolean rendered(String line) {
        return line.length() > 2 && "+~-!".indexOf(line.charAt(0)) >= 0 && line.charAt(1) == ' ';
    }

    private AccountRef refresh(AccountRef account) {
        if (account.created() || account.requestId() == null) {
            return account;
        }
        CreateAccountStatus status = organizations
                .describeCreateAccountStatus(r -> r.createAccountRequestId(account.requestId()))
                .createAccountStatus();
        return account.withStatus(status.stateAsString(), status.accountId(), status.failureReasonAsString());
    }

    private Map<String, Account> accountsByEmail() {
        Map<String, Account> all = new HashMap<>();
        organizations.listAccountsPaginator(r -> {}).forEach(page -> page.accounts()
                .forEach(a -> all.putIfAbsent(a.email().toLowerCase(Locale.ROOT), a)));
        return all;
    }

    /**
     * The management account can act in the member account through its access role: proved by
     * a call that needs the role's permissions (reading the role itself), not by
     * GetCallerIdentity, which succeeds for any valid session.
     */
    boolean usable(AccountRef account, String managementAccountId) {
        try {
            var creds = OrganizationAccess.memberAccounts(clients).in(account.id());
            IamClient iam = clients.cached("iam|" + account.id(), creds,
                    () -> clients.build(IamClient.builder(), creds));
            return iam.getRole(r -> r.roleName(Names.ORGANIZATION_ACCESS_ROLE)).role().arn()
                    .contains(":" + account.id() + ":");
        } catch (SdkException | TransientAwsException e) {
            if (AccountRef.INVITED.equals(account.status()) && AwsErrors.assumeRoleDenied(e)) {
                // Organizations makes the access role only in the accounts it creates: it will not appear
                throw new AccessRoleMissingException("Account '" + account.key() + "' (" + account.id()
                        + ") joined the organization by invitation and has no " + Names.ORGANIZATION_ACCESS_ROLE
                        + " that the management account can assume. In that account, create the role "
                        + Names.ORGANIZATION_ACCESS_ROLE + " trusting arn:aws:iam::" + managementAccountId
                        + ":root with the AdministratorAccess policy (the AWS Organizations guide: 'Creating the "
                        + "OrganizationAccountAccessRole in an invited member account'), then run again.");
            }
            LOG.info("Account {} not usable yet: {}", account.key(), e.getMessage());
            OrganizationAccess.forgetMemberSession(clients, account.id());
            return false;
        }
    }
}
