package io.palisade.common.aws;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * On every client {@link Clients} builds: once the SDK's own retries are spent, remembers for
 * the failure which service and operation failed and whether the client acted as an assumed
 * role. {@link AwsErrors#classify(RuntimeException)} needs that to tell IAM/STS eventual
 * consistency from a real denial. (The SDK lets an interceptor replace an exception only with
 * one of the same class, so the classification itself happens where the error leaves a phase.)
 */
final class TransientErrors implements ExecutionInterceptor {
    private final boolean assumed;

    TransientErrors(boolean assumed) {
        this.assumed = assumed;
    }

    @Override
    public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable e = context.exception();
        AwsErrors.remember(e, new AwsErrors.Call(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME),
                attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), assumed));
        return e;
    }
}
