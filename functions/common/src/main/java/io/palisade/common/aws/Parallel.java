package io.palisade.common.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Independent per-account reads of a run-level phase, a few at a time: a phase that looks at
 * every account of a 300-account organization once per poll is latency-bound on AWS (each look is
 * an AssumeRole and a read in another account), and each account's IAM and STS quotas are its own.
 * Only for work whose calls never depend on each other and record no changes.
 */
public final class Parallel {
    /** Looks in flight at once: a handful of requests per second to the management account's STS. */
    public static final int THREADS = 8;

    private Parallel() {}

    /** {@code f} of each item, in the items' order; the first failure (in that order) is rethrown as it was. */
    public static <T, R> List<R> map(List<T> items, Function<T, R> f) {
        if (items.size() <= 1) {
            return items.stream().map(f).toList();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(THREADS, items.size()), r -> {
            Thread t = new Thread(r, "palisade-parallel");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(pool.submit(() -> f.apply(item)));
            }
            List<R> out = new ArrayList<>();
            for (Future<R> future : futures) {
                out.add(future.get());
            }
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
