package io.palisade.common.aws;

import java.util.ArrayList;
import java.util.List;

/**
 * The changes a phase found between the config and an account, each with the call that makes
 * it. A phase's plan step only reads and fills a {@code Plan}; its apply step is
 * {@link #apply()}, which runs every change, in the order planned, through
 * {@link ChangeExecutor} (idempotent under retry: "already exists" after a create and "not
 * found" on a remove are done). Plan, drift and bootstrap runs therefore share one diff:
 * {@code plan} and {@code drift} return {@link #changes()}, {@code bootstrap} applies them.
 *
 * <p>A change that needs what an earlier one made (an alias needs the key a create returned)
 * reads it from a holder the earlier call fills: the calls run in order, and only in apply.
 */
public final class Plan {
    /** One planned change and the call that makes it. */
    public record Step(Change change, Runnable call) {}

    private final List<Step> steps = new ArrayList<>();

    public Plan add(Change change, Runnable call) {
        steps.add(new Step(change, call));
        return this;
    }

    public Plan addAll(Plan other) {
        steps.addAll(other.steps);
        return this;
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /** What would change, in order; nothing is called. */
    public List<Change> changes() {
        return steps.stream().map(Step::change).toList();
    }

    /** Makes every change, in order, through the one executor; returns the changes made. */
    public List<Change> apply() {
        List<Change> made = new ArrayList<>();
        for (Step step : steps) {
            ChangeExecutor.apply(step.change(), step.call());
            made.add(step.change());
        }
        return made;
    }
}
