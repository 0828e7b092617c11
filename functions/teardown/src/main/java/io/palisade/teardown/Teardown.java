package io.palisade.teardown;

import io.palisade.common.state.TeardownReport;

import io.palisade.common.aws.OrganizationAccess;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminRemoval;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import io.palisade.common.state.StateLocator;
import io.palisade.common.state.StateRecord;
import io.palisade.common.state.StateStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AccountStatus;
import software.amazon.awssdk.services.organizations.model.AwsOrganizationsNotInUseException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Removes everything the temp-admin phase made — the bootstrap role in every account, the
 * temp-admin's keys, policies and user, and its secret — by their fixed names in every account
 * of the organization, whatever the payload knows; reads each back to prove it gone; then ends
 * the run in the state record and releases the lock. It never reports success while anything
 * is left: it throws, and the lock stays held so the next attempt, the status-change cleanup or
 * the next run removes it.
 *
 * <p>Three callers: the successful end of a run, the compensation after a caught failure, and
 * the cleanup after an execution that ended outside any Catch (stopped, timed out). The last
 * two act only for a run that holds the lock: one that never held it made nothing to remove
 * and must not touch what a concurrent run made.
 */
public final class Teardown {
    private static final Logger LOG = LoggerFactory.getLogger(Teardown.class);

    /** What this run ended as; the compensation passes the failed phase and cause. */
    public record Outcome(String status, String failedPhase, String error, String cause) {}

    private final Clients clients;
    private final SecretsManagerClient secrets;
    private final OrganizationsClient organizations;

    public Teardown(Clients clients, SecretsManagerClient secrets, OrganizationsClient organizations) {
        this.clients = clients;
        this.secrets = secrets;
        this.organizations = organizations;
    }

    /** The successful end of a run: remove everything, then end the run and release the lock. */
    public TeardownReport apply(RunState input, Outcome outcome) {
        clients.calls().drain();
        String management = managementAccountId(input);
        TempAdminRemoval.Result result = removal(management).remove(accounts(input, management))
                .requireComplete();
        recordRun(input.runId(), input.mode(), input.state() == null ? null
                : new StateLocator.Location(input.state().accountId(), input.state().bucket()), outcome);
        LOG.info("Run {} ended {}: removed {}", input.runId(), outcome.status(), result.removed());
        return new TeardownReport(outcome.status(), outcome.failedPhase(), outcome.error(), result.removed(),
                clients.calls().drain());
    }

    /**
     * After a failure: the same removal, but only for the run that holds the lock. Otherwise
     * (the run failed before taking it, or another run holds it) nothing is touched.
     */
    public TeardownReport compensate(String runId, String mode, RunState input, Outcome outcome) {
        return compensate(runId, mode, input, outcome, false);
    }

    /**
     * After an execution that ended outside any Catch. Its Lambdas may still be running (Step
     * Functions does not stop them), so the lock is released between two removal passes: the
     * temp-admin phase checks the lock after it creates anything and removes what it made once
     * the lock is gone, and the second pass removes what it made before it could see that.
     */
    public TeardownReport cleanUp(String runId, Outcome outcome) {
        return compensate(runId, null, null, outcome, true);
    }

    private TeardownReport compensate(String runId, String mode, RunState input, Outcome outcome, boolean releaseFirst) {
        clients.calls().drain();
        Optional<StateLocator.Location> where = input != null && input.state() != null
                ? Optional.of(new StateLocator.Location(input.state().accountId(), input.state().bucket()))
                : heldBy(runId);
        StateRecord.Lock lock = where.flatMap(w -> store(w).read()).map(v -> v.record().lock()).orElse(null);
        if (lock == null || !runId.equals(lock.runId())) {
            LOG.info("Run {} does not hold the lock ({}): touching nothing", runId,
                    lock == null ? "no lock" : "held by " + lock.runId());
            return new TeardownReport(outcome.status(), outcome.failedPhase(), outcome.error(), List.of(),
                    List.of("nothing: this run does not hold the lock"));
        }
        String management = managementAccountId(input);
        Map<String, String> accounts = accounts(input, management);
        TempAdminRemoval.Result result;
        if (releaseFirst) {
            List<String> first = removal(management).remove(accounts).removed();
            recordRun(runId, mode, where.get(), outcome);
            // the lock is free now: a new run may already be making its own temp-admin; this pass
            // removes only what this run made (a stopped run's late work), never the new run's
            TempAdminRemoval.Result second = removal(management).ownedBy(runId).remove(accounts);
            List<String> removed = new java.util.ArrayList<>(first);
            removed.addAll(second.removed());
            result = new TempAdminRemoval.Result(List.copyOf(removed), second.left(), second.transientOnly())
                    .requireComplete();
        } else {
            result = removal(management).remove(accounts).requireComplete();
            recordRun(runId, mode, where.get(), outcome);
        }
        LOG.info("Run {} ended {}: removed {}", runId, outcome.status(), result.removed());
        return new TeardownReport(outcome.status(), outcome.failedPhase(), outcome.error(), result.removed(),
                clients.calls().drain());
    }

    private TempAdminRemoval removal(String management) {
        return new TempAdminRemoval(id -> iamIn(id, management), secrets);
    }

    /**
     * The state record whose lock {@code runId} holds, among those the organization's accounts
     * are tagged with: a payload that never got the state reference (or a status-change event,
     * which has only the execution's name) still finds its own lock, and never another's.
     */
    private Optional<StateLocator.Location> heldBy(String runId) {
        for (StateLocator.Location location : StateLocator.find(organizations)) {
            Optional<StateRecord.Lock> lock = store(location).read().map(v -> v.record().lock());
            if (lock.isPresent() && runId.equals(lock.get().runId())) {
                return Optional.of(location);
            }
        }
        return Optional.empty();
    }

    private StateStore store(StateLocator.Location where) {
        var creds = OrganizationAccess.memberAccounts(clients).in(where.accountId()); // the identity account
        S3Client s3 = clients.cached("s3|" + where.accountId() + "|org", () -> clients.s3(creds));
        return new StateStore(s3, where.bucket());
    }

    private String managementAccountId(RunState input) {
        if (input != null && input.org() != null && input.org().managementAccountId() != null) {
            return input.org().managementAccountId();
        }
        return clients.cached("sts|self", () -> clients.build(StsClient.builder())).getCallerIdentity().account();
    }

    /**
     * Every account the run knows an id for, every account of the organization, and the
     * management account: the removal looks for the fixed names in each.
     */
    private Map<String, String> accounts(RunState input, String management) {
        Map<String, String> ids = knownAccounts(input, management);
        try {
            organizations.listAccountsPaginator(r -> {}).forEach(page -> page.accounts().forEach(a -> {
                if (!ids.containsValue(a.id()) && a.status() == AccountStatus.ACTIVE) {
                    ids.put(a.name() == null ? a.id() : a.name(), a.id());
                }
            }));
        } catch (AwsOrganizationsNotInUseException e) {
            // no organization yet: only the management account
        }
        return ids;
    }

    /** Every account this run knows an id for, management included, by key. */
    static Map<String, String> knownAccounts(RunState input, String management) {
        Map<String, String> ids = new LinkedHashMap<>();
        if (input != null && input.org() != null && input.org().accounts() != null) {
            for (AccountRef a : input.org().accounts()) {
                if (a.id() != null) {
                    ids.put(a.key(), a.id());
                }
            }
        }
        ids.put(OrgConfig.MANAGEMENT, management);
        return ids;
    }

    private IamClient iamIn(String accountId, String management) {
        AwsCredentialsProvider creds = OrganizationAccess.organizationAccess(clients, management).in(accountId);
        return clients.cached("iam|" + accountId + "|org", () -> clients.build(IamClient.builder(), creds));
    }

    /** Ends this run's history entry and releases the lock, if the state record exists yet. */
    private void recordRun(String runId, String mode, StateLocator.Location where, Outcome outcome) {
        if (where == null) {
            return;
        }
        String now = Instant.now().toString();
        store(where).modify(null, current -> {
            if (current == null) {
                return null;
            }
            StateRecord.RunEntry entry = current.run(runId);
            if (entry == null) {
                entry = new StateRecord.RunEntry(runId, mode, now, null, null, null, null);
            }
            StateRecord.Lock lock = current.lock();
            boolean ours = lock != null && lock.runId().equals(runId);
            return current.withRun(entry.end(now, outcome.status(), outcome.failedPhase(),
                            outcome.error() == null ? null : outcome.error() + ": " + outcome.cause()))
                    .withLock(ours ? null : lock);
        });
    }
}
