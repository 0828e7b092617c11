package io.palisade.common;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.InputStream;
import java.io.OutputStream;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * Thin Lambda entry point: parse the input record, delegate, write the output record.
 * Structured logging comes from Powertools' functional API (no AspectJ weaving).
 * Payloads are never logged: they may name users, and a handler must not leak anything.
 */
public abstract class PhaseHandler<I, O> implements RequestStreamHandler {
    private final Class<I> inputType;

    protected PhaseHandler(Class<I> inputType) {
        this.inputType = inputType;
    }

    @Override
    public final void handleRequest(InputStream in, OutputStream out, Context context) {
        PowertoolsLogging.withLogging(context, () -> {
            I input = Json.read(in, inputType);
            Json.write(out, handle(input));
            return null;
        });
    }

    protected abstract O handle(I input);
}
