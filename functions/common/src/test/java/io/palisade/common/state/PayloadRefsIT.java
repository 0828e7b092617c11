package io.palisade.common.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palisade.common.Json;
import io.palisade.common.aws.Clients;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.testkit.Emulator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The payload by reference against a real S3 (moto): a 300-account run's config and organization
 * go to the run bucket and the payload keeps a few KB, every phase reads back exactly what was
 * stored, and a retried phase writes nothing new.
 */
class PayloadRefsIT {
    private static final int ACCOUNTS = 300;

    private S3Client s3;
    private String bucket;
    private PayloadRefs refs;

    @BeforeEach
    void runBucket() {
        Clients clients = Emulator.clients();
        s3 = clients.s3(clients.baseCredentials());
        bucket = "palisade-runs-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(r -> r.bucket(bucket));
        refs = new PayloadRefs(new RunStore(s3, bucket), 10);
    }

    /** A ready organization of {@code n} accounts, as await-accounts returns it. */
    private static RunState.Org org(OrgConfig config) {
        List<AccountRef> accounts = new ArrayList<>();
        int i = 0;
        for (OrgConfig.Account a : config.accounts()) {
            accounts.add(new AccountRef(a.key(), a.name(), a.email(), String.format("%012d", 100_000_000_000L + i++),
                    null, "SUCCEEDED", null, 1));
        }
        List<String> changes = accounts.stream().map(a -> "+ organizations:account " + a.key()).toList();
        return RunState.Org.ready("123456789012", "o-example", accounts, config.identityAccount(), 3, changes);
    }

    private List<String> keys() {
        return s3.listObjectsV2(r -> r.bucket(bucket)).contents().stream().map(o -> o.key()).toList();
    }

    @Test
    void offload_of300Accounts_leavesASmallPayloadThatResolvesToWhatWasStored() {
        OrgConfig config = Emulator.config("refs", ACCOUNTS);
        RunState.Org org = org(config);
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.set("run", Json.MAPPER.valueToTree(new RunState.Run("run-1", "2026-01-01T00:00:00Z")));
        payload.set("config", Json.MAPPER.valueToTree(config));
        payload.set("org", Json.MAPPER.valueToTree(org));
        int inline = Json.write(payload).getBytes(StandardCharsets.UTF_8).length;

        PayloadOffload.of(refs).offload(payload, "run-1");

        int byReference = Json.write(payload).getBytes(StandardCharsets.UTF_8).length;
        System.out.printf("300 accounts: payload %d bytes inline, %d bytes by reference%n", inline, byReference);
        assertThat(inline).as("what the payload would carry inline").isGreaterThan(64 * 1024);
        assertThat(byReference).as("config and org by reference, batches of keys").isLessThan(16 * 1024);
        assertThat(payload.path("config").size()).as("the config is only its reference").isEqualTo(1);
        assertThat(payload.path("org").path("ref").asText()).startsWith("runs/run-1/context/org-");
        assertThat(payload.path("org").has("accounts")).isFalse();
        assertThat(payload.path("org").path("ready").asBoolean()).isTrue();
        assertThat(payload.path("org").path("identity").path("key").asText()).isEqualTo(config.identityAccount());
        assertThat(keys()).hasSize(2);

        // the batches: members are every account but the identity account, plus management
        JsonNode batches = payload.path("batches");
        assertThat(batches.path("members")).hasSize(30);
        assertThat(batches.path("targets")).hasSize(31);
        List<String> members = new ArrayList<>();
        batches.path("members").forEach(b -> b.forEach(k -> members.add(k.asText())));
        assertThat(members).containsExactlyElementsOf(org.members().stream().map(RunState.Target::key).toList());

        // what a phase reads: the very config and org
        RunState resolved = Json.MAPPER.convertValue(refs.resolve(payload), RunState.class);
        assertThat(resolved.config()).isEqualTo(config);
        assertThat(resolved.org()).isEqualTo(org);
        // also nested one level down (the compensation's input is the payload under "run")
        ObjectNode nested = Json.MAPPER.createObjectNode();
        nested.set("run", payload.deepCopy());
        assertThat(refs.resolve(nested).path("run").path("org").path("accounts")).hasSize(ACCOUNTS);
    }

    @Test
    void offload_whenRetriedOrUnchanged_writesNoNewObjectAndKeepsTheSameReference() {
        OrgConfig config = Emulator.config("refs", 5);
        ObjectNode first = Json.MAPPER.createObjectNode();
        first.set("config", Json.MAPPER.valueToTree(config));
        first.set("org", Json.MAPPER.valueToTree(org(config)));
        ObjectNode retry = first.deepCopy();

        PayloadOffload.of(refs).offload(first, "run-2");
        PayloadOffload.of(refs).offload(retry, "run-2");

        assertThat(retry).isEqualTo(first);
        assertThat(keys()).hasSize(2);
        // a phase that passes references on leaves them as they are
        ObjectNode passedOn = first.deepCopy();
        PayloadOffload.of(refs).offload(passedOn, "run-2");
        assertThat(passedOn).isEqualTo(first);
    }

    @Test
    void resolve_whenTheReferencedObjectIsMissing_failsNamingTheKey() {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.putObject("config").put("ref", "runs/gone/context/config-0000000000000000.json");

        assertThatThrownBy(() -> refs.resolve(payload)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void inline_whenThereIsNoRunBucket_leavesThePayloadAsItIs() {
        OrgConfig config = Emulator.config("refs", 5);
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.set("config", Json.MAPPER.valueToTree(config));
        ObjectNode before = payload.deepCopy();

        PayloadOffload.of(PayloadRefs.inline()).offload(payload, "run-3");

        assertThat(payload).isEqualTo(before);
        assertThat(PayloadRefs.inline().resolve(payload)).isEqualTo(before);
    }
}
