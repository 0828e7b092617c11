package io.palisade.common;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import io.palisade.common.aws.AwsErrors;
import io.palisade.common.aws.Clients;
import io.palisade.common.state.PayloadRefs;
import io.palisade.common.state.RunStore;
import java.io.UncheckedIOException;
import org.crac.Core;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * Thin Lambda entry point: parse the input record, delegate, write the output.
 *
 * <p>A run-level phase names its {@code resultField}: it returns the whole payload it received
 * (fields it does not know included) with its result stored under that field, so the state
 * machine passes {@code $.Payload} on. A per-account phase (an item of a Map state) has no
 * result field and returns its result alone.
 *
 * <p>The payload's config and org are references to the run bucket ({@link PayloadRefs}): resolved
 * before the phase reads its input; a phase that returns one stores it in {@link #beforeOutput}.
 *
 * <p>Any transient AWS failure leaves the phase as {@link io.palisade.common.errors.TransientAwsException},
 * the one error every Task of the state machine retries.
 *
 * <p>Structured logging comes from Powertools' functional API (no AspectJ weaving): each JSON
 * line carries the Lambda request id, the function's name and {@code cold_start}. Payloads are
 * never logged.
 *
 * <p>On AWS (java21 with SnapStart) every handler primes itself before the snapshot: see
 * {@link Priming}.
 */
public abstract class PhaseHandler<I, O> implements RequestStreamHandler {
    private final Class<I> inputType;
    private final String resultField;
    /** Held here: the CRaC context keeps its resources only weakly. */
    private final Priming priming;
    /** The current invocation's end, for phases that budget their time ({@link #deadline()}). */
    private final ThreadLocal<Deadline> deadline = ThreadLocal.withInitial(Deadline::none);

    /** A phase whose output is its result alone. */
    protected PhaseHandler(Class<I> inputType) {
        this(inputType, null);
    }

    /** A phase whose output is its input payload with the result under {@code resultField}. */
    protected PhaseHandler(Class<I> inputType, String resultField) {
        this.inputType = inputType;
        this.resultField = resultField;
        this.priming = new Priming(inputType, resultField);
        Core.getGlobalContext().register(priming);
    }

    /** The SnapStart priming this handler registered (see {@link Priming}). */
    Priming priming() {
        return priming;
    }

    @Override
    public final void handleRequest(InputStream in, OutputStream out, Context context) {
        deadline.set(Deadline.of(context));
        PowertoolsLogging.withLogging(context, () -> {
            JsonNode payload = readTree(in);
            if (isProbe(payload)) {
                // the function started, its handler and clients are built: answer and touch nothing
                Json.write(out, Json.MAPPER.createObjectNode().put("probe", "ok")
                        .put("handler", getClass().getName()));
                return null;
            }
            PayloadRefs refs = payloadRefs();
            O result;
            try {
                result = handle(Json.MAPPER.convertValue(refs.resolve(payload), inputType));
            } catch (RuntimeException e) {
                // what the clients did not classify (a client built elsewhere, a stub): one
                // named, retried error for anything transient, the error itself otherwise
                throw AwsErrors.classify(e);
            }
            if (resultField == null) {
                Json.write(out, result);
            } else {
                ObjectNode next = (ObjectNode) payload;
                next.set(resultField, Json.MAPPER.valueToTree(result));
                beforeOutput(next, refs);
                Json.write(out, next);
            }
            return null;
        });
    }

    /**
     * {@code {"probe": true}} and nothing else: no run's payload is that. A deploy smoke test (and
     * {@code ./palisade bench}'s cold starts) invoke each function with it to see it start, and
     * it makes no call to AWS.
     */
    static boolean isProbe(JsonNode payload) {
        return payload != null && payload.isObject() && payload.size() == 1 && payload.path("probe").isBoolean()
                && payload.path("probe").asBoolean();
    }

    private static JsonNode readTree(InputStream in) {
        try {
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("The phase input is not JSON: " + e.getMessage(), e);
        }
    }

    protected abstract O handle(I input);

    /** When this invocation's Lambda timeout strikes (none outside {@link #handleRequest}). */
    protected final Deadline deadline() {
        return deadline.get();
    }

    /**
     * Called with the payload a run-level phase returns, its result set: the phases that return
     * the config or the organization store it by reference here ({@link io.palisade.common.state.PayloadOffload}).
     */
    protected void beforeOutput(ObjectNode payload, PayloadRefs refs) {}

    /**
     * How the payload's config and org travel: by reference in the run bucket the function's
     * environment names ({@link PayloadRefs}); inline where there is none (a unit test).
     */
    protected PayloadRefs payloadRefs() {
        return Refs.FROM_ENVIRONMENT;
    }

    /** Built once per container, on first use (not in a unit test that never calls handleRequest). */
    private static final class Refs {
        static final PayloadRefs FROM_ENVIRONMENT =
                PayloadRefs.fromEnvironment(() -> RunStore.fromEnvironment(Clients.fromEnvironment()));
    }
}
