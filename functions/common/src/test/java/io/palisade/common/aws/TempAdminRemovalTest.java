package io.palisade.common.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.palisade.common.errors.CleanupIncompleteException;
import io.palisade.common.errors.TransientAwsException;
import io.palisade.common.testkit.Recording;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.DeleteAccessKeyRequest;
import software.amazon.awssdk.services.iam.model.DeleteAccessKeyResponse;
import software.amazon.awssdk.services.iam.model.DeleteRolePolicyRequest;
import software.amazon.awssdk.services.iam.model.DeleteRolePolicyResponse;
import software.amazon.awssdk.services.iam.model.DeleteRoleRequest;
import software.amazon.awssdk.services.iam.model.DeleteRoleResponse;
import software.amazon.awssdk.services.iam.model.DeleteUserPolicyRequest;
import software.amazon.awssdk.services.iam.model.DeleteUserPolicyResponse;
import software.amazon.awssdk.services.iam.model.DeleteUserRequest;
import software.amazon.awssdk.services.iam.model.DeleteUserResponse;
import software.amazon.awssdk.services.iam.model.GetRoleRequest;
import software.amazon.awssdk.services.iam.model.GetRoleResponse;
import software.amazon.awssdk.services.iam.model.GetUserRequest;
import software.amazon.awssdk.services.iam.model.GetUserResponse;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.ListAccessKeysRequest;
import software.amazon.awssdk.services.iam.model.ListAccessKeysResponse;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListAttachedUserPoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListAttachedUserPoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListGroupsForUserRequest;
import software.amazon.awssdk.services.iam.model.ListGroupsForUserResponse;
import software.amazon.awssdk.services.iam.model.ListRolePoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListUserPoliciesRequest;
import software.amazon.awssdk.services.iam.model.ListUserPoliciesResponse;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DeleteSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.DeleteSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/** The removal against a scripted IAM and Secrets Manager: what it deletes, and that it never claims too much. */
class TempAdminRemovalTest {
    private final List<String> calls = new ArrayList<>();

    private static IamException error(int status, String code) {
        return (IamException) IamException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
    }

    /** One account's IAM with a temp-admin user (one key, one policy) and a bootstrap role, until deleted. */
    private IamClient iam(Set<String> denied) {
        return iam(denied, null);
    }

    /** @param runTag the palisade:run tag the user and the role carry (null: none) */
    private IamClient iam(Set<String> denied, String runTag) {
        Set<String> gone = new HashSet<>();
        List<software.amazon.awssdk.services.iam.model.Tag> tags = runTag == null ? List.of()
                : List.of(software.amazon.awssdk.services.iam.model.Tag.builder().key("palisade:run").value(runTag)
                        .build());
        return Recording.stub(IamClient.class, calls, request -> {
            String op = request.getClass().getSimpleName().replace("Request", "");
            if (denied.contains(op)) {
                return error(403, "AccessDenied");
            }
            boolean userGone = gone.contains("user");
            boolean roleGone = gone.contains("role");
            return switch (request) {
                case ListRolePoliciesRequest r -> roleGone ? error(404, "NoSuchEntity")
                        : ListRolePoliciesResponse.builder().policyNames("PalisadeBaseline").build();
                case ListAttachedRolePoliciesRequest r -> ListAttachedRolePoliciesResponse.builder().build();
                case DeleteRolePolicyRequest r -> DeleteRolePolicyResponse.builder().build();
                case DeleteRoleRequest r -> {
                    gone.add("role");
                    yield DeleteRoleResponse.builder().build();
                }
                case ListAccessKeysRequest r -> userGone ? error(404, "NoSuchEntity") : ListAccessKeysResponse
                        .builder().accessKeyMetadata(AccessKeyMetadata.builder().accessKeyId("AKIDTEST").build())
                        .build();
                case DeleteAccessKeyRequest r -> DeleteAccessKeyResponse.builder().build();
                case ListUserPoliciesRequest r -> ListUserPoliciesResponse.builder()
                        .policyNames("AssumeBootstrapRoleOnly").build();
                case DeleteUserPolicyRequest r -> DeleteUserPolicyResponse.builder().build();
                case ListAttachedUserPoliciesRequest r -> ListAttachedUserPoliciesResponse.builder().build();
                case ListGroupsForUserRequest r -> ListGroupsForUserResponse.builder().build();
                case DeleteUserRequest r -> {
                    gone.add("user");
                    yield DeleteUserResponse.builder().build();
                }
                case GetRoleRequest r -> roleGone ? error(404, "NoSuchEntity")
                        : GetRoleResponse.builder().role(x -> x.roleName("PalisadeBootstrap").tags(tags)).build();
                case GetUserRequest r -> userGone ? error(404, "NoSuchEntity")
                        : GetUserResponse.builder().user(x -> x.userName("PalisadeTempAdmin").tags(tags)).build();
                default -> new UnsupportedOperationException(String.valueOf(request));
            };
        });
    }

    private SecretsManagerClient secrets() {
        return secrets(null);
    }

    private SecretsManagerClient secrets(String runTag) {
        List<software.amazon.awssdk.services.secretsmanager.model.Tag> tags = runTag == null ? List.of()
                : List.of(software.amazon.awssdk.services.secretsmanager.model.Tag.builder().key("palisade:run")
                        .value(runTag).build());
        boolean[] deleted = {false};
        return Recording.stub(SecretsManagerClient.class, calls, request -> switch (request) {
            case DescribeSecretRequest r -> deleted[0] ? ResourceNotFoundException.builder().message("no").build()
                    : DescribeSecretResponse.builder().arn("arn:aws:secretsmanager:us-east-1:1:secret:palisade/temp-admin-abcdef")
                            .tags(tags).build();
            case DeleteSecretRequest r -> {
                deleted[0] = true;
                yield DeleteSecretResponse.builder().build();
            }
            default -> new UnsupportedOperationException(String.valueOf(request));
        });
    }

    @Test
    void remove_whenEverythingExists_removesAndProvesItGone() {
        Map<String, IamClient> byAccount = Map.of("111", iam(Set.of()), "222", iam(Set.of()));
        Map<String, String> accounts = new LinkedHashMap<>();
        accounts.put("infosec", "111");
        accounts.put("prod", "222");

        TempAdminRemoval.Result result = new TempAdminRemoval(byAccount::get, secrets()).remove(accounts)
                .requireComplete();

        assertThat(result.removed()).containsExactly("role PalisadeBootstrap in infosec",
                "user PalisadeTempAdmin in infosec", "role PalisadeBootstrap in prod", "user PalisadeTempAdmin in prod",
                "secret palisade/temp-admin");
        assertThat(result.left()).isEmpty();
        assertThat(calls).contains("deleteAccessKey", "deleteUser", "deleteRole", "deleteSecret", "getUser",
                "getRole", "describeSecret");
    }

    @Test
    void remove_whenRunAgain_removesNothingAndSucceeds() {
        IamClient iam = iam(Set.of());
        SecretsManagerClient secrets = secrets();
        new TempAdminRemoval(id -> iam, secrets).remove(Map.of("infosec", "111"));

        TempAdminRemoval.Result again = new TempAdminRemoval(id -> iam, secrets).remove(Map.of("infosec", "111"))
                .requireComplete();

        assertThat(again.removed()).isEmpty();
    }

    @Test
    void remove_whenTheUserCannotBeDeletedForGood_failsNamingItAndNeverClaimsSuccess() {
        IamClient iam = iam(Set.of("DeleteUser"));
        TempAdminRemoval.Result result = new TempAdminRemoval(id -> iam, secrets()).remove(Map.of("infosec", "111"));

        assertThat(result.left()).singleElement().asString().startsWith("user PalisadeTempAdmin in infosec (AccessDenied");
        assertThat(result.removed()).doesNotContain("user PalisadeTempAdmin in infosec");
        assertThatThrownBy(result::requireComplete).isInstanceOf(CleanupIncompleteException.class)
                .hasMessageContaining("user PalisadeTempAdmin in infosec");
    }

    @Test
    void remove_whenThrottledThroughout_leavesItAsTheRetriedError() {
        List<String> ignored = new ArrayList<>();
        IamClient throttled = Recording.stub(IamClient.class, ignored, request -> error(400, "Throttling"));
        TempAdminRemoval.Result result = new TempAdminRemoval(id -> throttled, secrets()).remove(Map.of("prod", "222"));

        assertThat(result.left()).hasSize(2);
        assertThatThrownBy(result::requireComplete).isInstanceOf(TransientAwsException.class)
                .hasMessageContaining("role PalisadeBootstrap in prod");
    }

    @Test
    void ownedBy_whenALaterRunTaggedTheTempAdmin_leavesItsUserRoleAndSecretAlone() {
        IamClient iam = iam(Set.of(), "run-b");

        TempAdminRemoval.Result result = new TempAdminRemoval(id -> iam, secrets("run-b")).ownedBy("run-a")
                .remove(Map.of("infosec", "111")).requireComplete();

        assertThat(result.removed()).isEmpty();
        assertThat(result.left()).isEmpty();
        assertThat(calls).doesNotContain("deleteUser", "deleteAccessKey", "deleteRole", "deleteRolePolicy",
                "deleteSecret");
    }

    @Test
    void ownedBy_whenTheTempAdminIsThisRunsOrUntagged_removesIt() {
        IamClient mine = iam(Set.of(), "run-a");
        assertThat(new TempAdminRemoval(id -> mine, secrets("run-a")).ownedBy("run-a")
                .remove(Map.of("infosec", "111")).requireComplete().removed())
                .contains("user PalisadeTempAdmin in infosec", "role PalisadeBootstrap in infosec",
                        "secret palisade/temp-admin");
        IamClient untagged = iam(Set.of());
        assertThat(new TempAdminRemoval(id -> untagged, secrets()).ownedBy("run-a")
                .remove(Map.of("infosec", "111")).requireComplete().removed())
                .contains("user PalisadeTempAdmin in infosec", "secret palisade/temp-admin");
    }
}
