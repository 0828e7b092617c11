package io.palisade.common.aws;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS call that changes something (anything but reads and session calls),
 * so each phase can report what it changed and a re-run can show it changed nothing.
 */
public final class CallLog implements ExecutionInterceptor {
    private static final List<String> READ_PREFIXES =
            List.of("Get", "List", "Describe", "Head", "Lookup", "Simulate", "Generate");
    private final List<String> changes = new CopyOnWriteArrayList<>();

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        if (isChange(service, op)) {
            changes.add(service + ":" + op);
        }
    }

    /** Whether an operation only reads ({@code Get*}, {@code List*}, {@code Describe*}, ...). */
    public static boolean isRead(String op) {
        return op != null && READ_PREFIXES.stream().anyMatch(op::startsWith);
    }

    static boolean isChange(String service, String op) {
        if (op == null || isRead(op)) {
            return false;
        }
        return !("Sts".equalsIgnoreCase(service) || "STS".equals(service));
    }

    /** The changing calls made since the last {@link #drain()}, in order. */
    public List<String> drain() {
        List<String> copy = List.copyOf(changes);
        changes.clear();
        return copy;
    }
}
