package io.palisade.common.aws;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way every phase changes AWS, so that each change is idempotent under retry:
 * <ul>
 *   <li>a create answered "already exists" was made by an earlier attempt of this run (or
 *       its response was lost): done, and the phase converges by reading it;</li>
 *   <li>a remove answered "not found" is done;</li>
 *   <li>anything transient leaves as {@link io.palisade.common.errors.TransientAwsException},
 *       which the state machine retries; everything else stays the permanent error it is.</li>
 * </ul>
 * Which error codes mean which is {@link AwsErrors}' business, not the phases'.
 */
public final class ChangeExecutor {
    /** How a change ended. */
    public enum Outcome { APPLIED, ALREADY_DONE }

    private static final Logger LOG = LoggerFactory.getLogger(ChangeExecutor.class);

    private ChangeExecutor() {}

    /** Applies {@code change} by {@code call}. */
    public static Outcome apply(Change change, Runnable call) {
        try {
            call.run();
            return Outcome.APPLIED;
        } catch (RuntimeException e) {
            if (change.action() == Change.Action.CREATE && AwsErrors.alreadyExists(e)
                    || change.action() == Change.Action.REMOVE && AwsErrors.notFound(e)) {
                LOG.info("{}: already done ({})", change, AwsErrors.code(e));
                return Outcome.ALREADY_DONE;
            }
            throw AwsErrors.classify(e);
        }
    }

    /**
     * Creates a resource and returns what the create returned, or, if it already exists,
     * what {@code read} finds: the caller gets the resource either way.
     */
    public static <T> T create(String resource, String name, Supplier<T> call, Supplier<T> read) {
        return create(Change.create(resource, name), call, read);
    }

    /** {@link #create(String, String, Supplier, Supplier)} for a change that names its account. */
    public static <T> T create(Change change, Supplier<T> call, Supplier<T> read) {
        Object[] created = new Object[1];
        Outcome outcome = apply(expect(change, Change.Action.CREATE), () -> created[0] = call.get());
        @SuppressWarnings("unchecked")
        T result = outcome == Outcome.APPLIED ? (T) created[0] : read.get();
        return result;
    }

    /** Creates a resource whose create returns nothing the caller needs. */
    public static Outcome create(String resource, String name, Runnable call) {
        return create(Change.create(resource, name), call);
    }

    public static Outcome create(Change change, Runnable call) {
        return apply(expect(change, Change.Action.CREATE), call);
    }

    public static void update(String resource, String name, Runnable call) {
        update(Change.update(resource, name), call);
    }

    public static void update(Change change, Runnable call) {
        apply(expect(change, Change.Action.UPDATE), call);
    }

    /** @return whether this call removed it ({@code false}: it was already gone) */
    public static boolean remove(String resource, String name, Runnable call) {
        return remove(Change.remove(resource, name), call);
    }

    /** @return whether this call removed it ({@code false}: it was already gone) */
    public static boolean remove(Change change, Runnable call) {
        return apply(expect(change, Change.Action.REMOVE), call) == Outcome.APPLIED;
    }

    private static Change expect(Change change, Change.Action action) {
        if (change.action() != action) {
            throw new IllegalArgumentException("not a " + action + ": " + change.render());
        }
        return change;
    }
}
