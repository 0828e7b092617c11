package io.palisade.common.aws;

import io.palisade.common.Names;
import io.palisade.common.Json;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Acts as the temp-admin: its access key is read from Secrets Manager (never from the
 * payload) and used only to assume the bootstrap role in the target account.
 */
public final class TempAdminSession {
    /** The secret's JSON; {@code toString} never shows the secret key. */
    public record AccessKey(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "AccessKey[" + accessKeyId + "]";
        }
    }

    private final Clients clients;
    private final SecretsManagerClient secrets;
    private final Map<String, AwsCredentialsProvider> keys = new ConcurrentHashMap<>();

    public TempAdminSession(Clients clients, SecretsManagerClient secrets) {
        this.clients = clients;
        this.secrets = secrets;
    }

    /**
     * As the run's temp-admin (the key in {@code secretArn}): {@value Names#BOOTSTRAP_ROLE} in
     * member accounts, the function's own credentials in the management account.
     */
    public AccountAccess bootstrapRole(String secretArn, String managementAccountId) {
        return accountId -> {
            if (accountId.equals(managementAccountId)) {
                return clients.baseCredentials();
            }
            if (secretArn == null) {
                throw new IllegalArgumentException("The task has no tempAdmin.secretArn: run the temp-admin phase first");
            }
            return in(secretArn, accountId);
        };
    }

    /** Bootstrap-role credentials in {@code accountId}, assumed as the temp-admin of {@code secretArn}. */
    public AwsCredentialsProvider in(String secretArn, String accountId) {
        return clients.assume(tempAdmin(secretArn), accountId, Names.BOOTSTRAP_ROLE);
    }

    /** Drops the cached role session in {@code accountId} so the next call assumes the role again. */
    public void forget(String secretArn, String accountId) {
        clients.forget(tempAdmin(secretArn), accountId, Names.BOOTSTRAP_ROLE);
    }

    /**
     * The temp-admin's key, read from the secret on every call (a warm container may outlive a
     * run, and a re-run may put a new key in the same secret); the provider, and so the role
     * sessions assumed from it, are reused while the key is the same.
     */
    AwsCredentialsProvider tempAdmin(String secretArn) {
        String json = secrets.getSecretValue(r -> r.secretId(secretArn)).secretString();
        AccessKey key = Json.read(json, AccessKey.class);
        return keys.computeIfAbsent(key.accessKeyId(), id -> StaticCredentialsProvider.create(
                AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey())));
    }
}
