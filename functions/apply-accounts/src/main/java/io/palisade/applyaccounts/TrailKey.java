package io.palisade.applyaccounts;

import io.palisade.common.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.palisade.common.Json;
import io.palisade.common.policy.PolicyDocument;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.ChangeExecutor;
import io.palisade.common.aws.Plan;
import io.palisade.common.aws.PolicyLimits;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * The customer-managed KMS key every Palisade trail encrypts its logs with (CIS 3.7), in the
 * identity account beside the trail bucket: symmetric, rotated yearly (CIS 3.8), found by its
 * alias. Like the rest of the baseline it is planned (read) first and written only where it differs.
 */
final class TrailKey {
    static final String POLICY_NAME = "default";

    /** Tag that marks the key as this one, so a key whose CreateKey answer was lost is found again. */
    static final String PURPOSE_TAG = "palisade:purpose";
    static final String PURPOSE = "cloudtrail";

    private final KmsClient kms;
    private final KmsClient keyMaker;

    /**
     * @param keyMaker CreateKey only: a client that never repeats it (a repeated CreateKey after a
     *                 lost answer would leave a second, orphaned key)
     */
    TrailKey(KmsClient kms, KmsClient keyMaker) {
        this.kms = kms;
        this.keyMaker = keyMaker;
    }

    /**
     * The alias ARN of the key in the identity account: what a member account's trail names,
     * since its task does not know the key's own ARN (CloudTrail accepts an alias ARN).
     */
    static String aliasArn(String partition, String region, String identityAccountId) {
        return Names.kmsAliasArn(partition, region, identityAccountId, Names.TRAIL_KEY_ALIAS);
    }

    /**
     * Whether a trail's {@code KmsKeyId} already designates Palisade's key.
     *
     * @param keyArn the key's ARN where it is known (the identity account), else {@code null}:
     *               AWS returns the key ARN it resolved the alias to, which a member can only
     *               recognise as a key of the identity account in that region; an emulator
     *               may return the alias ARN as it was given
     */
    static boolean designates(String kmsKeyId, String aliasArn, String keyArn) {
        if (kmsKeyId == null || kmsKeyId.isEmpty()) {
            return false;
        }
        if (kmsKeyId.equals(aliasArn)) {
            return true;
        }
        if (keyArn != null) {
            return kmsKeyId.equals(keyArn);
        }
        String keyArnPrefix = aliasArn.substring(0, aliasArn.length() - Names.TRAIL_KEY_ALIAS.length()) + "key/";
        return kmsKeyId.startsWith(keyArnPrefix);
    }

    /**
     * The key as the plan found it and apply made it: its ARN is known at plan time when the key
     * exists, and once its create ran when it does not.
     */
    static final class Ref {
        private volatile String arn;

        String arn() {
            return arn;
        }

        void set(KeyMetadata key) {
            arn = key == null ? null : key.arn();
        }
    }

    /**
     * Reads the key and plans what differs: a missing key is one {@code +} (made with its alias,
     * policy and rotation); an existing one gets a {@code ~} for its state, policy and rotation.
     * Fails before any call if KMS would refuse the policy, or if the alias names a key CloudTrail
     * cannot use. Fills {@code ref} with the key's ARN when it exists; apply fills it on create.
     */
    Plan plan(Change.Account account, JsonNode policy, Ref ref) {
        PolicyLimits.require(PolicyLimits.Kind.KMS_KEY, "key " + Names.TRAIL_KEY_ALIAS, policy);
        Plan plan = new Plan();
        KeyMetadata key = find();
        if (key == null) {
            plan.add(Change.create(account, "kms:key", Names.TRAIL_KEY_ALIAS), () -> ref.set(create(account, policy)));
            return plan;
        }
        ref.set(key);
        requireSymmetric(key);
        String keyId = key.keyId();
        KeyState state = key.keyState();
        if (state == KeyState.PENDING_DELETION || state == KeyState.DISABLED) {
            // trails cannot deliver otherwise: a key scheduled for deletion is restored, a disabled one enabled
            plan.add(Change.update(account, "kms:key", Names.TRAIL_KEY_ALIAS, "state", KeyState.ENABLED.toString(),
                    state.toString()), () -> {
                        if (state == KeyState.PENDING_DELETION) {
                            kms.cancelKeyDeletion(r -> r.keyId(keyId));
                        }
                        kms.enableKey(r -> r.keyId(keyId));
                    });
        }
        JsonNode have = PolicyDocument.parse(kms.getKeyPolicy(r -> r.keyId(keyId).policyName(POLICY_NAME)).policy());
        if (!PolicyDocument.equivalent(have, policy)) {
            plan.add(Change.update(account, "kms:key", Names.TRAIL_KEY_ALIAS, "policy", policy, have),
                    () -> kms.putKeyPolicy(r -> r.keyId(keyId).policyName(POLICY_NAME).policy(Json.write(policy))));
        }
        Boolean rotation = kms.getKeyRotationStatus(r -> r.keyId(keyId)).keyRotationEnabled();
        if (!Boolean.TRUE.equals(rotation)) {
            plan.add(Change.update(account, "kms:key", Names.TRAIL_KEY_ALIAS, "rotation", true, rotation),
                    () -> kms.enableKeyRotation(r -> r.keyId(keyId)));
        }
        return plan;
    }

    /** Makes the key (or adopts the orphan of an earlier attempt), its alias, policy and rotation. */
    private KeyMetadata create(Change.Account account, JsonNode policy) {
        KeyMetadata key = orphan().orElseGet(() -> keyMaker.createKey(r -> r
                .description("Palisade: encrypts the organization's CloudTrail logs")
                .keySpec(KeySpec.SYMMETRIC_DEFAULT)
                .keyUsage(KeyUsageType.ENCRYPT_DECRYPT)
                .policy(Json.write(policy))
                .tags(t -> t.tagKey(Names.MANAGED_TAG).tagValue("true"),
                        t -> t.tagKey(PURPOSE_TAG).tagValue(PURPOSE))).keyMetadata());
        String madeId = key.keyId();
        if (ChangeExecutor.create(Change.create(account, "kms:alias", Names.TRAIL_KEY_ALIAS),
                () -> kms.createAlias(r -> r.aliasName(Names.TRAIL_KEY_ALIAS).targetKeyId(madeId)))
                == ChangeExecutor.Outcome.ALREADY_DONE) {
            key = find(); // a lost answer: the alias exists; use the key it names
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

    /**
     * A key this phase made whose alias was never created (the CreateKey answer was lost, or the
     * attempt died before CreateAlias): enabled, tagged as the trail key, and named by no alias.
     */
    private java.util.Optional<KeyMetadata> orphan() {
        java.util.Set<String> aliased = new java.util.HashSet<>();
        kms.listAliasesPaginator(r -> {}).aliases().forEach(a -> {
            if (a.targetKeyId() != null) {
                aliased.add(a.targetKeyId());
            }
        });
        for (var entry : kms.listKeysPaginator(r -> {}).keys()) {
            if (aliased.contains(entry.keyId())) {
                continue;
            }
            boolean ours = kms.listResourceTags(r -> r.keyId(entry.keyId())).tags().stream()
                    .anyMatch(t -> PURPOSE_TAG.equals(t.tagKey()) && PURPOSE.equals(t.tagValue()));
            if (ours) {
                KeyMetadata meta = kms.describeKey(r -> r.keyId(entry.keyId())).keyMetadata();
                if (meta.keyState() == KeyState.ENABLED) {
                    return java.util.Optional.of(meta);
                }
            }
        }
        return java.util.Optional.empty();
    }

    private KeyMetadata find() {
        try {
            return kms.describeKey(r -> r.keyId(Names.TRAIL_KEY_ALIAS)).keyMetadata();
        } catch (NotFoundException e) {
            return null;
        }
    }

    private static void requireSymmetric(KeyMetadata key) {
        if (key.keySpec() != null && key.keySpec() != KeySpec.SYMMETRIC_DEFAULT) {
            throw new IllegalStateException(Names.TRAIL_KEY_ALIAS + " names " + key.arn() + ", a " + key.keySpecAsString()
                    + " key; CloudTrail needs a symmetric one: point the alias at one or delete it");
        }
    }
}
