package io.palisade.rootloginalarms;

import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Plan;
import io.palisade.common.aws.PolicyLimits;
import io.palisade.common.policy.PolicyDocument;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * The customer-managed KMS key of one account and region that encrypts the trail's CloudWatch
 * Logs group and the alert topic: symmetric, rotated, found by its alias {@value #ALIAS}, its
 * policy {@link Policies#monitoringKeyPolicy}. Planned (read) first, written only where it differs,
 * as apply-accounts' {@code TrailKey} does for the trail bucket's key.
 *
 * <p>A lost CreateKey answer: the key maker never repeats the call (a repeat would make a second
 * key), the phase fails with a retryable error and its next attempt makes the key again; the key
 * whose answer was lost stays, unaliased and unused, tagged {@code palisade:purpose=monitoring}.
 */
final class MonitoringKey {
    static final String ALIAS = "alias/palisade-monitoring";
    static final String RESOURCE = "kms:key";
    static final String POLICY_NAME = "default";
    static final String PURPOSE_TAG = "palisade:purpose";
    static final String PURPOSE = "monitoring";

    private final KmsClient kms;
    private final KmsClient keyMaker;

    /** @param keyMaker CreateKey only: a client that never repeats a request ({@code Clients#buildWithoutRetries}) */
    MonitoringKey(KmsClient kms, KmsClient keyMaker) {
        this.kms = kms;
        this.keyMaker = keyMaker;
    }

    /** The key's ARN: known at plan time when the key exists, and once its create ran when it does not. */
    static final class Ref {
        private volatile String arn;
        private final String aliasArn;

        Ref(String aliasArn) {
            this.aliasArn = aliasArn;
        }

        /** The key's ARN, {@code null} before a planned create ran. */
        String arn() {
            return arn;
        }

        /** What a plan names as the expected key: its ARN, or its alias ARN while it does not exist. */
        String expected() {
            return arn == null ? aliasArn : arn;
        }

        /** Whether {@code keyId} (as a log group or topic reports it) designates this key. */
        boolean designates(String keyId) {
            return keyId != null && !keyId.isEmpty() && (keyId.equals(arn) || keyId.equals(aliasArn));
        }

        void set(String keyArn) {
            arn = keyArn;
        }
    }

    /**
     * Reads the key and plans what differs: a missing key is one {@code +} (made with its alias,
     * policy and rotation); an existing one gets a {@code ~} for its state, policy and rotation.
     * Fills {@code ref} with the key's ARN when it exists; apply fills it on create.
     *
     * @param prefix names the region in the changes when it is not the home one ({@code us-east-1/})
     */
    void plan(Plan plan, Change.Account who, String prefix, JsonNode policy, Ref ref) {
        PolicyLimits.require(PolicyLimits.Kind.KMS_KEY, "key " + ALIAS, policy);
        String name = prefix + ALIAS;
        KeyMetadata key = find();
        if (key == null) {
            Change create = Change.create(who, RESOURCE, name);
            plan.add(create, () -> ref.set(create(who, policy).arn()));
            return;
        }
        ref.set(key.arn());
        if (key.keySpec() != null && key.keySpec() != KeySpec.SYMMETRIC_DEFAULT) {
            throw new IllegalStateException(ALIAS + " names " + key.arn() + ", a " + key.keySpecAsString()
                    + " key; CloudWatch Logs and SNS need a symmetric one: point the alias at one or delete it");
        }
        String keyId = key.keyId();
        KeyState state = key.keyState();
        if (state == KeyState.PENDING_DELETION || state == KeyState.DISABLED) {
            // nothing could be logged or alerted otherwise: restore a key scheduled for deletion, enable a disabled one
            plan.add(Change.update(who, RESOURCE, name, "state", KeyState.ENABLED.toString(), state.toString()), () -> {
                if (state == KeyState.PENDING_DELETION) {
                    kms.cancelKeyDeletion(r -> r.keyId(keyId));
                }
                kms.enableKey(r -> r.keyId(keyId));
            });
        }
        JsonNode have = PolicyDocument.parse(kms.getKeyPolicy(r -> r.keyId(keyId).policyName(POLICY_NAME)).policy());
        if (!PolicyDocument.equivalent(have, policy)) {
            plan.add(Change.update(who, RESOURCE, name, "policy", policy, have),
                    () -> kms.putKeyPolicy(r -> r.keyId(keyId).policyName(POLICY_NAME).policy(Json.write(policy))));
        }
        Boolean rotation = kms.getKeyRotationStatus(r -> r.keyId(keyId)).keyRotationEnabled();
        if (!Boolean.TRUE.equals(rotation)) {
            plan.add(Change.update(who, RESOURCE, name, "rotation", true, rotation),
                    () -> kms.enableKeyRotation(r -> r.keyId(keyId)));
        }
    }

    /** Makes the key, its alias and rotation (or, after a lost CreateAlias answer, uses the key the alias names). */
    private KeyMetadata create(Change.Account who, JsonNode policy) {
        KeyMetadata key = keyMaker.createKey(r -> r
                .description("Palisade: encrypts this account's CloudTrail log group and alert topic")
                .keySpec(KeySpec.SYMMETRIC_DEFAULT)
                .keyUsage(KeyUsageType.ENCRYPT_DECRYPT)
                .policy(Json.write(policy))
                .tags(t -> t.tagKey(Names.MANAGED_TAG).tagValue("true"),
                        t -> t.tagKey(PURPOSE_TAG).tagValue(PURPOSE))).keyMetadata();
        String madeId = key.keyId();
        if (ChangeExecutor.create(Change.create(who, "kms:alias", ALIAS),
                () -> kms.createAlias(r -> r.aliasName(ALIAS).targetKeyId(madeId)))
                == ChangeExecutor.Outcome.ALREADY_DONE) {
            key = find(); // the alias exists (an earlier attempt's): use the key it names
        }
        String keyId = key.keyId();
        if (!PolicyDocument.equivalent(PolicyDocument.parse(
                kms.getKeyPolicy(r -> r.keyId(keyId).policyName(POLICY_NAME)).policy()), policy)) {
            kms.putKeyPolicy(r -> r.keyId(keyId).policyName(POLICY_NAME).policy(Json.write(policy)));
        }
        if (!Boolean.TRUE.equals(kms.getKeyRotationStatus(r -> r.keyId(keyId)).keyRotationEnabled())) {
            kms.enableKeyRotation(r -> r.keyId(keyId));
        }
        return key;
    }

    private KeyMetadata find() {
        try {
            return kms.describeKey(r -> r.keyId(ALIAS)).keyMetadata();
        } catch (NotFoundException e) {
            return null;
        }
    }
}
