package io.palisade.migratestate;

import io.palisade.common.Names;
import java.util.Map;
import java.util.HashMap;
import static io.palisade.common.testkit.JsonText.texts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.ConcurrentRunException;
import io.palisade.common.errors.StateConflictException;
import io.palisade.common.state.RunState;
import io.palisade.common.state.StateRecord;
import io.palisade.common.state.StateStore;
import io.palisade.common.testkit.Emulator;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.PublicAccessBlockConfiguration;
import software.amazon.awssdk.services.s3.model.ServerSideEncryptionRule;

/** The state bucket and record in the emulated InfoSec account (moto). */
class MigrateStateIT {
    private Clients clients;
    private OrgConfig config;
    private RunState.Org org;
    private String infosec;
    private S3Client s3;
    private OrganizationsClient organizations;

    @BeforeEach
    void organization() {
        clients = Emulator.clients();
        config = Emulator.config("ms" + UUID.randomUUID().toString().substring(0, 8));
        org = Emulator.accounts(clients, config);
        infosec = org.identity().accountId();
        s3 = clients.s3(Emulator.orgAccess(clients, infosec));
        organizations = clients.build(OrganizationsClient.builder());
    }

    private RunState input(String runId) {
        return new RunState(RunState.BOOTSTRAP, config, null, new RunState.Run(runId, "2025-01-01T00:00:00Z",
                "arn:aws:states:us-east-1:111111111111:execution:palisade:" + runId), org,
                null, null, null, null, null, null);
    }

    /** Step Functions' answer for each execution ARN; RUNNING unless a test says otherwise. */
    private final Map<String, String> executions = new HashMap<>();

    private MigrateState phase() {
        return new MigrateState(clients, organizations, arn -> executions.getOrDefault(arn, "RUNNING"));
    }

    private JsonNode statement(JsonNode policy, String sid) {
        for (JsonNode st : policy.path("Statement")) {
            if (sid.equals(st.path("Sid").asText())) {
                return st;
            }
        }
        throw new AssertionError("no statement " + sid + " in " + policy);
    }

    @Test
    void apply_whenFirstRun_createsAHardenedBucketWithTheLockedRecord() {
        RunState.StateRef ref = phase().apply(input("run-a"));

        String bucket = Names.stateBucket(config.organization().name(), infosec);
        assertThat(ref).isEqualTo(new RunState.StateRef(infosec, bucket, Names.STATE_KEY, ref.changes()));
        assertThat(ref.changes()).contains("S3:CreateBucket", "S3:PutBucketOwnershipControls", "S3:PutBucketVersioning",
                "S3:PutBucketEncryption",
                "S3:PutPublicAccessBlock", "S3:PutBucketPolicy", "S3:PutObject", "Organizations:TagResource");
        assertThat(organizations.listTagsForResource(r -> r.resourceId(infosec)).tags())
                .as("a drift run without config finds the bucket by this tag")
                .anySatisfy(t -> {
                    assertThat(t.key()).isEqualTo(StateStore.BUCKET_TAG);
                    assertThat(t.value()).isEqualTo(bucket);
                });

        assertThat(s3.getBucketVersioning(r -> r.bucket(bucket)).status()).isEqualTo(BucketVersioningStatus.ENABLED);
        List<ServerSideEncryptionRule> rules = s3.getBucketEncryption(r -> r.bucket(bucket))
                .serverSideEncryptionConfiguration().rules();
        assertThat(rules).anySatisfy(rule -> assertThat(rule.applyServerSideEncryptionByDefault().sseAlgorithmAsString())
                .isEqualTo("AES256"));
        PublicAccessBlockConfiguration block = s3.getPublicAccessBlock(r -> r.bucket(bucket))
                .publicAccessBlockConfiguration();
        assertThat(block.blockPublicAcls()).isTrue();
        assertThat(block.ignorePublicAcls()).isTrue();
        assertThat(block.blockPublicPolicy()).isTrue();
        assertThat(block.restrictPublicBuckets()).isTrue();

        JsonNode policy = Json.read(s3.getBucketPolicy(r -> r.bucket(bucket)).policy(), JsonNode.class);
        JsonNode tls = statement(policy, "DenyInsecureTransport");
        assertThat(tls.path("Effect").asText()).isEqualTo("Deny");
        assertThat(tls.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
        assertThat(texts(tls.path("Resource"))).containsExactlyInAnyOrder("arn:aws:s3:::" + bucket,
                "arn:aws:s3:::" + bucket + "/*");
        JsonNode principals = statement(policy, "DenyAllButBootstrapPrincipals");
        assertThat(principals.path("Effect").asText()).isEqualTo("Deny");
        assertThat(principals.path("Principal").asText()).isEqualTo("*");
        assertThat(texts(principals.at("/Condition/ArnNotLike/aws:PrincipalArn"))).containsExactlyInAnyOrder(
                "arn:aws:iam::" + infosec + ":role/OrganizationAccountAccessRole",
                "arn:aws:iam::" + infosec + ":role/PalisadeBootstrap", "arn:aws:iam::" + infosec + ":role/PalisadeAudit");
        assertThat(statement(policy, "AuditRoleReadsSettingsOnly").at("/Condition/ArnLike/aws:PrincipalArn").asText())
                .isEqualTo("arn:aws:iam::" + infosec + ":role/PalisadeAudit");
        assertThat(s3.getBucketOwnershipControls(r -> r.bucket(bucket)).ownershipControls().rules())
                .singleElement().satisfies(rule -> assertThat(rule.objectOwnershipAsString())
                        .isEqualTo("BucketOwnerEnforced"));

        JsonNode raw = Json.read(s3.getObjectAsBytes(r -> r.bucket(bucket).key(Names.STATE_KEY)).asUtf8String(),
                JsonNode.class);
        assertThat(raw.at("/lock/runId").asText()).isEqualTo("run-a");
        assertThat(raw.at("/schemaVersion").asInt()).isEqualTo(StateRecord.SCHEMA);
        StateRecord record = new StateStore(s3, bucket).read().orElseThrow().record();
        assertThat(record.organizationName()).isEqualTo(config.organization().name());
        assertThat(record.managementAccountId()).isEqualTo(org.managementAccountId());
        assertThat(record.configDigest()).isEqualTo(Json.digest(config));
        assertThat(record.config()).isEqualTo(config);
        assertThat(record.accounts()).isEqualTo(org.accounts());
        assertThat(record.lock().runId()).isEqualTo("run-a");
        assertThat(record.history()).singleElement().satisfies(e -> {
            assertThat(e.runId()).isEqualTo("run-a");
            assertThat(e.status()).isEqualTo("RUNNING");
            assertThat(e.mode()).isEqualTo(RunState.BOOTSTRAP);
            assertThat(e.startedAt()).isEqualTo("2025-01-01T00:00:00Z");
        });
    }

    @Test
    void apply_whenAnotherRunHoldsTheLock_throwsConcurrentRunAndChangesNothing() {
        MigrateState phase = phase();
        RunState.StateRef ref = phase.apply(input("run-a"));
        StateStore store = new StateStore(s3, ref.bucket());
        StateStore.Versioned before = store.read().orElseThrow();

        assertThatThrownBy(() -> phase.apply(input("run-b")))
                .isInstanceOf(ConcurrentRunException.class)
                .hasMessageContaining("run-a")
                .hasMessageContaining("run-b");

        StateStore.Versioned after = store.read().orElseThrow();
        assertThat(after.etag()).isEqualTo(before.etag());
        assertThat(after.record().lock().runId()).isEqualTo("run-a");
    }

    @Test
    void apply_whenTheLockHolderIsNoLongerRunning_takesTheLockAtOnceAndSaysFromWhom() {
        RunState.StateRef first = phase().apply(input("run-a"));
        executions.put("arn:aws:states:us-east-1:111111111111:execution:palisade:run-a", "ABORTED");

        RunState.StateRef second = phase().apply(input("run-b"));

        assertThat(second.tookOverFrom()).isEqualTo("run-a (ABORTED)");
        StateRecord record = new StateStore(s3, first.bucket()).read().orElseThrow().record();
        assertThat(record.lock().runId()).isEqualTo("run-b");
        assertThat(record.lock().executionArn()).endsWith(":run-b");
        assertThat(record.run("run-a").status()).isEqualTo("ABORTED");
        assertThat(record.run("run-a").cause()).contains("taken over by run run-b");
        assertThat(record.run("run-b").status()).isEqualTo("RUNNING");
    }

    @Test
    void apply_whenTheSameRunComesAgain_keepsItsLockAndChangesNoBucketSetting() {
        MigrateState phase = phase();
        phase.apply(input("run-a"));
        StateRecord.Lock lock = new StateStore(s3, Names.stateBucket(config.organization().name(), infosec))
                .read().orElseThrow().record().lock();

        RunState.StateRef again = phase.apply(input("run-a"));

        assertThat(again.changes()).as("bucket settings are re-applied only when they differ")
                .containsOnly("S3:PutObject");
        StateRecord record = new StateStore(s3, again.bucket()).read().orElseThrow().record();
        assertThat(record.lock()).isEqualTo(lock);
        assertThat(record.history()).hasSize(1);
    }

    @Test
    void modify_whenAnotherWriterGetsThereFirst_reReadsAndReapplies() {
        String bucket = phase().apply(input("run-a")).bucket();
        StateStore store = new StateStore(s3, bucket);
        AtomicInteger attempts = new AtomicInteger();

        StateRecord written = store.modify(null, current -> {
            if (attempts.incrementAndGet() == 1) {
                // a concurrent writer changes the record between this read and this write
                store.modify(null, other -> other.withRun(new StateRecord.RunEntry("other", "drift", "t", null,
                        "RUNNING", null, null)));
            }
            return current.withLock(null);
        });

        assertThat(attempts).hasValue(2);
        assertThat(written.lock()).isNull();
        StateRecord stored = store.read().orElseThrow().record();
        assertThat(stored.lock()).isNull();
        assertThat(stored.run("other")).as("the concurrent write is kept, not overwritten").isNotNull();
    }

    @Test
    void modify_whenTheRecordKeepsChanging_throwsStateConflictAfterItsAttempts() {
        String bucket = phase().apply(input("run-a")).bucket();
        StateStore store = new StateStore(s3, bucket);
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> store.modify(null, current -> {
            int attempt = attempts.incrementAndGet();
            // every time: someone else writes other content after our read (a stale etag on our write)
            s3.putObject(r -> r.bucket(bucket).key(Names.STATE_KEY), RequestBody.fromString(
                    Json.write(current.withLock(new StateRecord.Lock("intruder", "t" + attempt)))));
            return current.withLock(null);
        })).isInstanceOf(StateConflictException.class)
                .hasMessageContaining("s3://" + bucket + "/" + Names.STATE_KEY);

        assertThat(attempts).hasValue(4);
        assertThat(store.read().orElseThrow().record().lock().runId()).isEqualTo("intruder");
    }

    @Test
    void modify_whenNoRecordExistsAndTwoWritersCreateIt_keepsTheFirstAndReappliesTheSecond() {
        String bucket = phase().apply(input("run-a")).bucket();
        s3.deleteObject(r -> r.bucket(bucket).key(Names.STATE_KEY));
        StateStore store = new StateStore(s3, bucket);
        StateRecord initial = new StateRecord(StateRecord.SCHEMA, "x", "1", null, null, List.of(), null, List.of());
        AtomicInteger attempts = new AtomicInteger();

        StateRecord written = store.modify(initial, current -> {
            if (attempts.incrementAndGet() == 1) {
                store.modify(initial, first -> first.withLock(new StateRecord.Lock("first", "t")));
            }
            return current;
        });

        assertThat(attempts).hasValue(2);
        assertThat(written.lock().runId()).as("re-applied to what the first writer created").isEqualTo("first");
    }
}
