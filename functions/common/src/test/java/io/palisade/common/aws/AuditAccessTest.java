package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.Names;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.AuditRoleMissingException;
import io.palisade.common.state.AccountTask;
import io.palisade.common.state.RunState;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Which credentials the per-account phases (apply-accounts, root-login-alarms) act with, by task:
 * a plan-only task assumes PalisadeAudit with the function's own role and never reads the
 * temp-admin's secret; a bootstrap task assumes PalisadeBootstrap as the temp-admin; the
 * management account is always the own role. A fake AWS (STS, Secrets Manager) records who
 * asked for what.
 */
class AuditAccessTest {
    private static final String MANAGEMENT = "111111111111";
    private static final String MEMBER = "222222222222";
    private static final String SECRET = "arn:aws:secretsmanager:us-east-1:111111111111:secret:palisade/temp-admin-x";
    private static final StaticCredentialsProvider BASE =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDOWNROLE", "secret"));

    /** One request: the access key that signed it, and what it asked (STS action + role, or the JSON target). */
    record Request(String accessKey, String operation, String roleArn) {}

    private final FakeAws aws = new FakeAws();
    private final Clients clients = new Clients(Region.US_EAST_1, URI.create("https://aws.invalid"), aws, BASE);
    private final TempAdminSession tempAdmin =
            new TempAdminSession(clients, clients.build(SecretsManagerClient.builder()));

    @Test
    void forTask_whenPlanInAMemberAccount_assumesTheAuditRoleWithTheOwnRoleAndNoTempAdmin() {
        AwsCredentials creds = AuditAccess.forTask(clients, tempAdmin).apply(task(MEMBER, "plan", null))
                .in(MEMBER).resolveCredentials();

        assertThat(creds.accessKeyId()).isEqualTo("ASIA-PalisadeAudit");
        assertThat(aws.requests).containsExactly(new Request("AKIDOWNROLE", "AssumeRole",
                "arn:aws:iam::" + MEMBER + ":role/PalisadeAudit"));
    }

    @Test
    void forTask_whenDriftWithoutRepair_alsoTheAuditRole() {
        AuditAccess.forTask(clients, tempAdmin).apply(task(MEMBER, "drift", false)).in(MEMBER);

        assertThat(aws.requests).extracting(Request::roleArn)
                .containsExactly("arn:aws:iam::" + MEMBER + ":role/PalisadeAudit");
    }

    @Test
    void forTask_whenBootstrap_assumesTheBootstrapRoleAsTheTempAdmin() {
        assertActsAsTheTempAdmin(task(MEMBER, null, null));
    }

    @Test
    void forTask_whenDriftWithRepair_assumesTheBootstrapRoleAsTheTempAdmin() {
        assertActsAsTheTempAdmin(task(MEMBER, "drift", true));
    }

    private void assertActsAsTheTempAdmin(AccountTask task) {
        AwsCredentials creds = AuditAccess.forTask(clients, tempAdmin).apply(task).in(MEMBER).resolveCredentials();

        assertThat(creds.accessKeyId()).isEqualTo("ASIA-PalisadeBootstrap");
        assertThat(aws.requests).containsExactly(
                new Request("AKIDOWNROLE", "secretsmanager.GetSecretValue", null),
                new Request("AKIATEMPADMIN", "AssumeRole", "arn:aws:iam::" + MEMBER + ":role/PalisadeBootstrap"));
    }

    @Test
    void forTask_whenManagementAccount_ownRoleInEveryMode() {
        for (AccountTask task : List.of(task(MANAGEMENT, "plan", null), task(MANAGEMENT, "drift", true),
                task(MANAGEMENT, null, null))) {
            assertThat(AuditAccess.forTask(clients, tempAdmin).apply(task).in(MANAGEMENT)).isSameAs(BASE);
        }
        assertThat(aws.requests).isEmpty();
    }

    @Test
    void auditRole_whenTheRoleIsMissing_namesTheAccountAndSaysToBootstrap() {
        aws.denyAuditRole = true;

        assertThatThrownBy(() -> AuditAccess.auditRole(clients, MANAGEMENT).in(MEMBER))
                .isInstanceOf(AuditRoleMissingException.class)
                .hasMessageContaining("PalisadeAudit in account " + MEMBER)
                .hasMessageContaining("run a bootstrap first");

        // once a bootstrap made it, the next task assumes it afresh (the failed session is not kept)
        aws.denyAuditRole = false;
        assertThat(AuditAccess.auditRole(clients, MANAGEMENT).in(MEMBER).resolveCredentials().accessKeyId())
                .isEqualTo("ASIA-PalisadeAudit");
    }

    @Test
    void auditRole_whenAnotherError_isNotCalledMissing() {
        aws.failWith500 = true;

        assertThatThrownBy(() -> AuditAccess.auditRole(clients, MANAGEMENT).in(MEMBER))
                .isNotInstanceOf(AuditRoleMissingException.class);
    }

    private static AccountTask task(String accountId, String mode, Boolean repair) {
        String key = accountId.equals(MANAGEMENT) ? OrgConfig.MANAGEMENT : "prod";
        RunState.Org org = new RunState.Org(MANAGEMENT, "o-1", List.of(), true, 0, null, List.of(), List.of(), 0,
                List.of());
        return new AccountTask(new RunState.Target(key, accountId), null, org,
                new RunState.TempAdmin("PalisadeTempAdmin", "arn:aws:iam::333333333333:user/PalisadeTempAdmin",
                        SECRET, Names.BOOTSTRAP_ROLE, List.of()),
                new RunState.Run("run-1", "2026-01-01T00:00:00Z"), mode, repair);
    }

    /** STS AssumeRole (query protocol) and Secrets Manager GetSecretValue (JSON), recording each request. */
    static final class FakeAws implements SdkHttpClient {
        private static final Pattern KEY = Pattern.compile("Credential=([^/]+)/");
        final List<Request> requests = new CopyOnWriteArrayList<>();
        volatile boolean denyAuditRole;
        volatile boolean failWith500;

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() {
                    return answer(request);
                }

                @Override
                public void abort() {}
            };
        }

        private HttpExecuteResponse answer(HttpExecuteRequest request) {
            String body = request.contentStreamProvider().map(p -> read(p.newStream())).orElse("");
            Matcher key = KEY.matcher(request.httpRequest().firstMatchingHeader("Authorization").orElse(""));
            String accessKey = key.find() ? key.group(1) : null;
            String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse(null);
            if (target != null) {
                requests.add(new Request(accessKey, target, null));
                return respond(200, "application/x-amz-json-1.1", "{\"ARN\":\"" + SECRET + "\",\"Name\":\"palisade/temp-admin\","
                        + "\"SecretString\":\"{\\\"accessKeyId\\\":\\\"AKIATEMPADMIN\\\","
                        + "\\\"secretAccessKey\\\":\\\"s\\\"}\"}");
            }
            String roleArn = param(body, "RoleArn");
            requests.add(new Request(accessKey, param(body, "Action"), roleArn));
            if (failWith500) {
                return error(500, "InternalFailure");
            }
            if (denyAuditRole && roleArn.endsWith("/" + Names.AUDIT_ROLE)) {
                return error(403, "AccessDenied");
            }
            String role = roleArn.substring(roleArn.lastIndexOf('/') + 1);
            return respond(200, "text/xml", "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    + "<AssumeRoleResult><Credentials><AccessKeyId>ASIA-" + role + "</AccessKeyId>"
                    + "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
                    + "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                    + "<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/" + role + "/palisade</Arn>"
                    + "<AssumedRoleId>AROA:palisade</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>"
                    + "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>");
        }

        private static HttpExecuteResponse error(int status, String code) {
            return respond(status, "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>" + code
                    + "</Code><Message>not authorized to perform sts:AssumeRole</Message></Error>"
                    + "<RequestId>r</RequestId></ErrorResponse>");
        }

        private static HttpExecuteResponse respond(int status, String type, String body) {
            return HttpExecuteResponse.builder()
                    .response(SdkHttpResponse.builder().statusCode(status).putHeader("Content-Type", type).build())
                    .responseBody(AbortableInputStream.create(
                            new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))))
                    .build();
        }

        private static String param(String form, String name) {
            for (String pair : form.split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv[0].equals(name) && kv.length == 2) {
                    return URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        private static String read(InputStream in) {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {}
    }
}
