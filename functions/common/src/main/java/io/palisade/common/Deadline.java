package io.palisade.common;

import com.amazonaws.services.lambda.runtime.Context;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * When the current invocation's Lambda timeout strikes. A phase that loops over hundreds of
 * accounts stops starting new work while there is still time to return what it has: a Lambda
 * that times out returns nothing, so every look it made would be made again.
 */
public final class Deadline {
    private static final Deadline NONE = new Deadline(() -> Long.MAX_VALUE);

    private final LongSupplier remainingMillis;

    private Deadline(LongSupplier remainingMillis) {
        this.remainingMillis = remainingMillis;
    }

    /** The invocation's own deadline; none without a context (a unit test calling a phase directly). */
    public static Deadline of(Context context) {
        if (context == null) {
            return NONE;
        }
        long end = System.nanoTime() + Duration.ofMillis(context.getRemainingTimeInMillis()).toNanos();
        return new Deadline(() -> Duration.ofNanos(end - System.nanoTime()).toMillis());
    }

    /** {@code after} from now (tests, and a budget below the invocation's own). */
    public static Deadline in(Duration after) {
        long end = System.nanoTime() + after.toNanos();
        return new Deadline(() -> Duration.ofNanos(end - System.nanoTime()).toMillis());
    }

    /** Remaining time as {@code remainingMillis} says (tests that run out of time at a chosen point). */
    public static Deadline from(LongSupplier remainingMillis) {
        return new Deadline(remainingMillis);
    }

    public static Deadline none() {
        return NONE;
    }

    public long remainingMillis() {
        return remainingMillis.getAsLong();
    }

    /** Whether more than {@code reserve} is left: time to start one more piece of work and still return. */
    public boolean leaves(Duration reserve) {
        return remainingMillis() > reserve.toMillis();
    }

    @Override
    public String toString() {
        long left = remainingMillis();
        return left == Long.MAX_VALUE ? "no deadline" : left + " ms left";
    }
}
