package io.palisade.teardown;

import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.RunState;
import io.palisade.common.state.StateRecord;
import io.palisade.common.state.StateStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Removes everything the temp-admin phase made — the bootstrap role in every account, the
 * temp-admin's keys, policies and user, and its secret — then ends the run in the state record
 * and releases the lock. Works from whatever exists, so it is also the compensation after a
 * failure at any point, and a later run can always start cleanly.
 */
public final class Teardown {
    private static final Logger LOG = LoggerFactory.getLogger(Teardown.class);

    /** What this run ended as; the compensation passes the failed phase and cause. */
    public record Outcome(String status, String failedPhase, String error, String cause) {}

    /** The phase's output: what was removed and what changed. */
    public record Report(String status, String failedPhase, String error, List<String> removed,
                         List<String> changes) {}

    private final Clients clients;
    private final SecretsManagerClient secrets;

    public Teardown(Clients clients, SecretsManagerClient secrets) {
        this.clients = clients;
        this.secrets = secrets;
    }

    public Report apply(RunState input, Outcome outcome) {
        clients.calls().drain();
        List<String> removed = new ArrayList<>();
        String management = managementAccountId(input);
        Map<String, String> accounts = knownAccounts(input, management);
        for (var e : accounts.entrySet()) {
            if (deleteRole(iamIn(e.getValue(), management), TempAdminSession.BOOTSTRAP_ROLE)) {
                removed.add("role " + TempAdminSession.BOOTSTRAP_ROLE + " in " + e.getKey());
            }
        }
        String identityKey = input.config() == null ? null : input.config().identityAccount();
        if (identityKey != null && accounts.containsKey(identityKey)) {
            if (deleteUser(iamIn(accounts.get(identityKey), management), TempAdminSession.USER_NAME)) {
                removed.add("user " + TempAdminSession.USER_NAME + " in " + identityKey);
            }
        }
        try {
            // look first: a run that failed before the temp-admin existed must change nothing
            String arn = secrets.describeSecret(r -> r.secretId(TempAdminSession.SECRET_NAME)).arn();
            secrets.deleteSecret(r -> r.secretId(arn).forceDeleteWithoutRecovery(true));
            removed.add("secret " + TempAdminSession.SECRET_NAME);
        } catch (ResourceNotFoundException e) {
            // nothing to remove
        }
        recordRun(input, outcome);
        LOG.info("Run {} ended {}: removed {}", input.runId(), outcome.status(), removed);
        return new Report(outcome.status(), outcome.failedPhase(), outcome.error(), removed, clients.calls().drain());
    }

    private String managementAccountId(RunState input) {
        if (input.org() != null && input.org().managementAccountId() != null) {
            return input.org().managementAccountId();
        }
        return clients.cached("sts|self", () -> clients.build(StsClient.builder())).getCallerIdentity().account();
    }

    /** Every account this run knows an id for, management included, by key. */
    static Map<String, String> knownAccounts(RunState input, String management) {
        Map<String, String> ids = new LinkedHashMap<>();
        if (input.org() != null && input.org().accounts() != null) {
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
        AwsCredentialsProvider creds = accountId.equals(management) ? clients.baseCredentials()
                : clients.assume(clients.baseCredentials(), accountId, Clients.ORGANIZATION_ACCESS_ROLE);
        return clients.cached("iam|" + accountId + "|org", () -> clients.build(IamClient.builder(), creds));
    }

    static boolean deleteRole(IamClient iam, String role) {
        try {
            for (String p : iam.listRolePolicies(r -> r.roleName(role)).policyNames()) {
                iam.deleteRolePolicy(r -> r.roleName(role).policyName(p));
            }
            for (var p : iam.listAttachedRolePolicies(r -> r.roleName(role)).attachedPolicies()) {
                iam.detachRolePolicy(r -> r.roleName(role).policyArn(p.policyArn()));
            }
            iam.deleteRole(r -> r.roleName(role));
            return true;
        } catch (NoSuchEntityException e) {
            return false;
        }
    }

    static boolean deleteUser(IamClient iam, String user) {
        try {
            for (var k : iam.listAccessKeys(r -> r.userName(user)).accessKeyMetadata()) {
                iam.deleteAccessKey(r -> r.userName(user).accessKeyId(k.accessKeyId()));
            }
            for (String p : iam.listUserPolicies(r -> r.userName(user)).policyNames()) {
                iam.deleteUserPolicy(r -> r.userName(user).policyName(p));
            }
            for (var p : iam.listAttachedUserPolicies(r -> r.userName(user)).attachedPolicies()) {
                iam.detachUserPolicy(r -> r.userName(user).policyArn(p.policyArn()));
            }
            for (var g : iam.listGroupsForUser(r -> r.userName(user)).groups()) {
                iam.removeUserFromGroup(r -> r.userName(user).groupName(g.groupName()));
            }
            iam.deleteUser(r -> r.userName(user));
            return true;
        } catch (NoSuchEntityException e) {
            return false;
        }
    }

    /** Ends this run's history entry and releases the lock, if the state record exists yet. */
    private void recordRun(RunState input, Outcome outcome) {
        if (input.state() == null) {
            return;
        }
        var creds = clients.assume(clients.baseCredentials(), input.state().accountId(),
                Clients.ORGANIZATION_ACCESS_ROLE);
        S3Client s3 = clients.cached("s3|" + input.state().accountId() + "|org", () -> clients.s3(creds));
        String now = Instant.now().toString();
        new StateStore(s3, input.state().bucket()).modify(null, current -> {
            if (current == null) {
                return null;
            }
            StateRecord.RunEntry entry = current.run(input.runId());
            if (entry == null) {
                entry = new StateRecord.RunEntry(input.runId(), input.mode(), now, null, null, null, null);
            }
            StateRecord.Lock lock = current.lock();
            boolean ours = lock != null && lock.runId().equals(input.runId());
            return current.withRun(entry.end(now, outcome.status(), outcome.failedPhase(),
                            outcome.error() == null ? null : outcome.error() + ": " + outcome.cause()))
                    .withLock(ours ? null : lock);
        });
    }
}
