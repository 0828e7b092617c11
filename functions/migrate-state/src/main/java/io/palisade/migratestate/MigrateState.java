package io.palisade.migratestate;

import io.palisade.common.aws.OrganizationAccess;
import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.BucketBaseline;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.TempAdminSession;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.ConcurrentRunException;
import io.palisade.common.state.RunState;
import io.palisade.common.state.StateBucket;
import io.palisade.common.state.StateRecord;
import io.palisade.common.state.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Creates the state bucket in the identity (InfoSec) account and moves the state record there
 * from the execution payload, as the seed moved Terraform state from a local backend to S3.
 * Taking the record's lock here is what refuses a second concurrent execution.
 */
public final class MigrateState {
    /** A lock older than the state machine's timeout belongs to a run that can no longer be alive. */
    static final Duration STALE_LOCK = Duration.ofHours(3);
    private static final Logger LOG = LoggerFactory.getLogger(MigrateState.class);

    private final Clients clients;
    private final OrganizationsClient organizations;
    private final Function<String, String> executionStatus;

    /**
     * @param executionStatus the Step Functions status of an execution ARN (RUNNING, ABORTED, ...):
     *     how a lock held by an execution that has ended is told from a live one
     */
    public MigrateState(Clients clients, OrganizationsClient organizations, Function<String, String> executionStatus) {
        this.clients = clients;
        this.organizations = organizations;
        this.executionStatus = executionStatus;
    }

    public RunState.StateRef apply(RunState input) {
        clients.calls().drain();
        OrgConfig config = input.config();
        String infosec = input.org().account(config.identityAccount()).id();
        var creds = OrganizationAccess.memberAccounts(clients).in(infosec);
        // the state bucket lives in the organization's home region, not the function's
        Clients home = clients.inHomeRegion(config);
        S3Client s3 = home.cached("s3|" + infosec + "|org", () -> home.s3(creds));
        String bucket = Names.stateBucket(config.organization().name(), infosec);

        new BucketBaseline(s3, home.region()).ensure(bucket, statePolicy(bucket, infosec));

        String runId = input.runId();
        String now = Instant.now().toString();
        StateRecord initial = new StateRecord(StateRecord.SCHEMA, config.organization().name(),
                input.org().managementAccountId(), null, null, List.of(), null, List.of());
        String executionArn = input.run() == null ? null : input.run().executionArn();
        String[] tookOver = new String[1];
        new StateStore(s3, bucket).modify(initial, current -> {
            StateRecord.Lock lock = current.lock();
            tookOver[0] = null;
            if (lock != null && !lock.runId().equals(runId)) {
                String holder = holderStatus(lock);
                if ("RUNNING".equals(holder)) {
                    throw new ConcurrentRunException("Another Palisade run (" + lock.runId() + ", since "
                            + lock.since() + ") is changing this organization; this run (" + runId
                            + ") changed nothing. Wait for it to end.");
                }
                // its execution has ended (stopped, timed out, failed outside any Catch) without
                // releasing the lock: take it now; the temp-admin phase replaces every key it left
                LOG.info("Taking the lock of run {} (execution {}): {}", lock.runId(), lock.executionArn(), holder);
                tookOver[0] = lock.runId() + " (" + holder + ")";
                StateRecord.RunEntry old = current.run(lock.runId());
                if (old != null && old.endedAt() == null) {
                    current = current.withRun(old.end(now, holder, null,
                            "ended without releasing its lock; taken over by run " + runId));
                }
            }
            StateRecord.RunEntry entry = current.run(runId) != null ? current.run(runId)
                    : new StateRecord.RunEntry(runId, input.mode() == null ? RunState.BOOTSTRAP : input.mode(),
                            input.run() == null ? now : input.run().startedAt(), null, "RUNNING", null, null);
            return new StateRecord(StateRecord.SCHEMA, config.organization().name(),
                    input.org().managementAccountId(), Json.digest(config), config, input.org().accounts(),
                    new StateRecord.Lock(runId, lock != null && lock.runId().equals(runId) ? lock.since() : now,
                            executionArn),
                    current.history()).withRun(entry);
        });
        tagIdentity(infosec, bucket);
        LOG.info("State record at s3://{}/{}", bucket, Names.STATE_KEY);
        return new RunState.StateRef(infosec, bucket, Names.STATE_KEY, tookOver[0], clients.calls().drain());
    }

    /**
     * RUNNING, or how the lock holder's execution ended. A lock written before locks named
     * their execution counts as RUNNING until it is older than {@link #STALE_LOCK}.
     */
    private String holderStatus(StateRecord.Lock lock) {
        if (lock.executionArn() == null || lock.executionArn().isBlank()) {
            return Instant.parse(lock.since()).plus(STALE_LOCK).isAfter(Instant.now()) ? "RUNNING" : "EXPIRED";
        }
        return executionStatus.apply(lock.executionArn());
    }

    /** Lets a scheduled drift run, whose input has no config, find the state record. */
    private void tagIdentity(String infosec, String bucket) {
        boolean tagged = organizations.listTagsForResource(r -> r.resourceId(infosec)).tags().stream()
                .anyMatch(t -> StateStore.BUCKET_TAG.equals(t.key()) && bucket.equals(t.value()));
        if (!tagged) {
            organizations.tagResource(r -> r.resourceId(infosec)
                    .tags(t -> t.key(StateStore.BUCKET_TAG).value(bucket)));
        }
    }

    /** The state bucket's policy ({@link StateBucket#policy}): TLS only, the bootstrap principals only. */
    JsonNode statePolicy(String bucket, String infosec) {
        return StateBucket.policy(clients.partition(), bucket, infosec);
    }
}
