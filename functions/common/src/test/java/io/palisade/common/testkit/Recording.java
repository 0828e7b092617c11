package io.palisade.common.testkit;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.Function;

/**
 * SDK client fakes for unit tests and *IT tests: every SDK v2 client is an interface whose
 * convenience methods (consumer builders, paginators) are defaults that end in the one
 * {@code operation(Request)} method, so a proxy that runs the defaults sees each real call once.
 */
public final class Recording {
    private Recording() {}

    /** {@code delegate} with every API call's name appended to {@code calls} (e.g. "listAccounts"). */
    public static <T> T client(Class<T> type, T delegate, List<String> calls) {
        return proxy(type, (method, args) -> {
            calls.add(method.getName());
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    /**
     * A client that answers each call with {@code answer.apply(request)}; an answer that is a
     * {@link RuntimeException} is thrown. Calls are appended to {@code calls}.
     */
    public static <T> T stub(Class<T> type, List<String> calls, Function<Object, Object> answer) {
        return proxy(type, (method, args) -> {
            calls.add(method.getName());
            Object result = answer.apply(args == null || args.length == 0 ? null : args[0]);
            if (result instanceof RuntimeException e) {
                throw e;
            }
            return result;
        });
    }

    private interface Call {
        Object invoke(Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, Call call) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "toString" -> "Recording(" + type.getSimpleName() + ")";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            }
            if ("close".equals(method.getName()) || "serviceName".equals(method.getName())
                    || "serviceClientConfiguration".equals(method.getName())) {
                return null;
            }
            boolean isOperation = args != null && args.length == 1 && args[0] != null
                    && method.getParameterTypes()[0].isInstance(args[0])
                    && args[0].getClass().getSimpleName().endsWith("Request")
                    && !method.getName().endsWith("Paginator");
            if (method.isDefault() && !isOperation) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            return call.invoke(method, args);
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
