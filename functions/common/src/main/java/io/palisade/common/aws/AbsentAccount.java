package io.palisade.common.aws;

import io.palisade.common.state.AccountTask;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.utils.builder.SdkBuilder;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * An account that does not exist yet: what a plan sees of a configured account that a
 * bootstrap would create. A plan-only task for such an account (its target has no id) plans
 * everything as {@code +}, as {@code terraform plan} does for a resource it has never made,
 * and makes no AWS call for it: the phase's clients for that account answer locally, as an
 * empty account would.
 *
 * <p>{@link #CREDENTIALS} is what a phase acts with there ({@link #credentials}); every client
 * {@link Clients} builds with them is {@link #client an empty account's client}. So a phase
 * keeps its one read path: it just does not know the account is missing.
 */
public final class AbsentAccount {
    /** Not-found errors of the services the phases read, most specific first (IAM, S3, CloudTrail, KMS/SNS, the rest). */
    private static final List<String> NOT_FOUND = List.of("NoSuchEntityException", "NoSuchBucketException",
            "TrailNotFoundException", "NotFoundException", "ResourceNotFoundException");

    /**
     * The credentials of an account that does not exist: never resolved (a client built with
     * them answers locally, {@link Clients} sees to it), and failing loudly if anything tried.
     */
    public static final AwsCredentialsProvider CREDENTIALS = new AwsCredentialsProvider() {
        @Override
        public AwsCredentials resolveCredentials() {
            throw new IllegalStateException("The account does not exist: there are no credentials to act in it");
        }

        @Override
        public String toString() {
            return "AbsentAccount.CREDENTIALS";
        }
    };

    private AbsentAccount() {}

    /** Whether the task's account does not exist yet (its target has no id). */
    public static boolean isAbsent(AccountTask task) {
        return task.target().accountId() == null;
    }

    /**
     * {@link #CREDENTIALS} for a plan-only task whose account does not exist yet.
     *
     * @throws IllegalStateException for a task that may change the account: a bootstrap (or a
     *     repair) needs the account to exist; a task without an account id there is a bug
     */
    public static AwsCredentialsProvider credentials(AccountTask task) {
        if (task.mayChange()) {
            throw new IllegalStateException("Account '" + task.target().key() + "' has no id: only a plan may "
                    + "name an account that does not exist yet, a bootstrap or repair acts in existing accounts");
        }
        return CREDENTIALS;
    }

    /**
     * What stands for the id of the account with config key {@code key} where it does not exist
     * yet, in names and ARNs a plan shows ({@code <infosec id>}), the way {@code terraform plan}
     * shows "(known after apply)". Never sent to AWS.
     */
    public static String placeholderId(String key) {
        return "<" + key + " id>";
    }

    /**
     * A client of {@code built}'s service that answers as an empty account would, without a
     * call: {@code List*} (and {@code Describe*} of many: a plural name, a list in the response)
     * return an empty response; any other
     * read ({@code Get*}, {@code Head*}, {@code Describe*} of one thing) throws the service's
     * not-found error; every changing call throws {@link IllegalStateException}. Convenience
     * methods (consumer-builder overloads, paginators) run as the SDK defines them, so they end
     * in those answers. {@code built} is only used for its interface.
     */
    @SuppressWarnings("unchecked")
    public static <C> C client(C built) {
        Class<?> type = serviceInterface(built.getClass());
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "toString" -> "AbsentAccount(" + type.getSimpleName() + ")";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            }
            if ("close".equals(method.getName())) {
                return null;
            }
            if ("serviceName".equals(method.getName()) && method.getParameterCount() == 0) {
                return type.getField("SERVICE_NAME").get(null);
            }
            if (isOperation(method)) {
                return answer(type, method);
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName()
                    + " is not available for an account that does not exist");
        };
        return (C) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }

    /** The SDK service interface ({@code IamClient}) a built client ({@code DefaultIamClient}) implements. */
    private static Class<?> serviceInterface(Class<?> implementation) {
        for (Class<?> c = implementation; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (SdkClient.class.isAssignableFrom(i) && i != SdkClient.class) {
                    return i;
                }
            }
        }
        throw new IllegalArgumentException(implementation + " is no SDK service client");
    }

    /** One API call: {@code XResponse x(XRequest)}; the rest are conveniences that end in one. */
    private static boolean isOperation(Method method) {
        return method.getParameterCount() == 1 && SdkRequest.class.isAssignableFrom(method.getParameterTypes()[0])
                && SdkResponse.class.isAssignableFrom(method.getReturnType());
    }

    private static Object answer(Class<?> type, Method method) throws Throwable {
        String op = method.getName().substring(0, 1).toUpperCase(Locale.ROOT) + method.getName().substring(1);
        if (!CallLog.isRead(op)) {
            throw new IllegalStateException(type.getSimpleName() + ":" + op
                    + " in an account that does not exist yet: a plan makes no changing call");
        }
        SdkResponse empty = emptyResponse(method.getReturnType());
        // Describe of many (DescribeLogGroups, DescribeAlarms: a plural with a list) is a list; Describe of
        // one (DescribeKey, DescribeRule, DescribeSecret, even with a list among its fields) a read of one thing
        if (op.startsWith("List") || op.startsWith("Describe") && op.endsWith("s") && hasList(empty)) {
            return empty;
        }
        if (op.startsWith("Get") || op.startsWith("Head") || op.startsWith("Describe")) {
            throw notFound(type, op);
        }
        throw new UnsupportedOperationException(type.getSimpleName() + ":" + op
                + " is not answered for an account that does not exist");
    }

    private static SdkResponse emptyResponse(Class<?> response) throws Throwable {
        return (SdkResponse) ((SdkBuilder<?, ?>) invokeStatic(response, "builder")).build();
    }

    private static boolean hasList(SdkResponse response) {
        return response instanceof SdkPojo pojo
                && pojo.sdkFields().stream().anyMatch(f -> f.marshallingType() == MarshallingType.LIST);
    }

    /** The service's not-found error (status 404), as the phases catch it on a missing resource. */
    private static AwsServiceException notFound(Class<?> type, String op) throws Throwable {
        String model = type.getPackageName() + ".model.";
        for (String name : NOT_FOUND) {
            Class<?> error;
            try {
                error = Class.forName(model + name, true, type.getClassLoader());
            } catch (ClassNotFoundException e) {
                continue;
            }
            String message = op + ": the account does not exist yet, so nothing is in it";
            AwsServiceException.Builder builder = (AwsServiceException.Builder) invokeStatic(error, "builder");
            builder.message(message).statusCode(404).awsErrorDetails(AwsErrorDetails.builder()
                    .errorCode(name.substring(0, name.length() - "Exception".length()))
                    .errorMessage(message)
                    .serviceName(type.getSimpleName().replace("Client", ""))
                    .sdkHttpResponse(SdkHttpResponse.builder().statusCode(404).build())
                    .build());
            return builder.build();
        }
        throw new UnsupportedOperationException(type.getSimpleName() + " has no not-found error to answer " + op);
    }

    private static Object invokeStatic(Class<?> type, String name) throws Throwable {
        try {
            return type.getMethod(name).invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
