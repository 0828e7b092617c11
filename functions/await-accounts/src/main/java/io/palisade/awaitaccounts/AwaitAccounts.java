package io.palisade.awaitaccounts;

import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.AccountFailures;
import io.palisade.common.errors.AccountNotReadyException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.CreateAccountStatus;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * One non-blocking look at every pending account creation; the state machine's Wait/Choice
 * loop calls it again until {@code ready}. An account is ready when its creation SUCCEEDED
 * (or it already existed) and its access role can be assumed: no fixed sleep.
 */
public final class AwaitAccounts {
    /** Polls before giving up (the state machine waits between polls). */
    static final int MAX_POLLS = 120;
    private static final Logger LOG = LoggerFactory.getLogger(AwaitAccounts.class);

    private final Clients clients;
    private final OrganizationsClient organizations;

    public AwaitAccounts(Clients clients, OrganizationsClient organizations) {
        this.clients = clients;
        this.organizations = organizations;
    }

    public RunState.Org apply(RunState input) {
        RunState.Org org = input.org();
        int polls = (org.polls() == null ? 0 : org.polls()) + 1;
        List<AccountRef> accounts = new ArrayList<>();
        boolean ready = true;
        for (AccountRef account : org.accounts()) {
            AccountRef now = refresh(account);
            if ("FAILED".equals(now.status())) {
                // transient reasons surface as AccountCreationTransientException: the state machine creates again
                throw AccountFailures.of(now.key(), now.failureReason());
            }
            if (!now.created() || !usable(now)) {
                ready = false;
            }
            accounts.add(now);
        }
        if (!ready && polls >= MAX_POLLS) {
            throw new AccountNotReadyException("Member accounts were not usable after " + polls + " polls: "
                    + accounts.stream().filter(a -> !a.created()).map(AccountRef::key).toList());
        }
        LOG.info("Poll {}: accounts {}", polls, ready ? "ready" : "not ready yet");
        if (!ready) {
            return new RunState.Org(org.managementAccountId(), org.organizationId(), accounts, false, polls,
                    null, null, null, List.of());
        }
        String identityKey = input.config().identityAccount();
        RunState.Target identity = null;
        List<RunState.Target> members = new ArrayList<>();
        for (AccountRef a : accounts) {
            if (a.key().equals(identityKey)) {
                identity = new RunState.Target(a.key(), a.id());
            } else {
                members.add(new RunState.Target(a.key(), a.id()));
            }
        }
        members.add(new RunState.Target(OrgConfig.MANAGEMENT, org.managementAccountId()));
        List<RunState.Target> targets = new ArrayList<>();
        targets.add(identity);
        targets.addAll(members);
        return new RunState.Org(org.managementAccountId(), org.organizationId(), accounts, true, polls,
                identity, List.copyOf(members), List.copyOf(targets), List.of());
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

    /** The management account can act in the member account through its access role. */
    boolean usable(AccountRef account) {
        try {
            var creds = clients.assume(clients.baseCredentials(), account.id(), Clients.ORGANIZATION_ACCESS_ROLE);
            StsClient sts = clients.cached("sts|" + account.id(), creds,
                    () -> clients.build(StsClient.builder(), creds));
            return account.id().equals(sts.getCallerIdentity().account());
        } catch (SdkException e) {
            LOG.info("Account {} not usable yet: {}", account.key(), e.getMessage());
            clients.forget(clients.baseCredentials(), account.id(), Clients.ORGANIZATION_ACCESS_ROLE);
            return false;
        }
    }
}
