package dev.driftwatch.plugin.base;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Runs numbered pieces of work on the calling thread and, where one is given, a helper thread, each taking
 * the next piece not yet taken. The calling thread never waits for the helper to start (a helper busy with
 * something else, such as the parameter drift, joins in when it is free, or not at all), and it always waits
 * for a piece the helper has taken before it returns, through interrupts and failures: the pieces use
 * arrays the caller frees afterwards.
 */
public final class SharedBlocks {

    private SharedBlocks() {}

    /**
     * Runs {@code work} for {@code 0 .. count - 1}, each once.
     *
     * @param count the number of pieces
     * @param work runs one piece; pieces must not depend on each other's order or thread
     * @param helper runs the helper's share, or null for the calling thread alone
     * @throws RuntimeException the first failure of a piece (the caller's own first), after both threads stopped
     */
    public static void run(int count, IntConsumer work, Executor helper) {
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                work.accept(i);
            }
        };
        if (helper == null || count < 2) {
            worker.run();
            return;
        }
        // the helper's share, offered: once the caller has run out of pieces, taking it back runs nothing (no
        // piece is left) where the helper has not started it, and waits for the piece it may hold where it has
        Offer<Void> share = offer(() -> {
            worker.run();
            return null;
        }, helper);
        try {
            worker.run();
        } catch (RuntimeException | Error e) {
            next.set(count); // the helper takes no new piece
            share.withdraw();
            throw e;
        }
        share.take();
    }

    /**
     * Offers a piece of work to the helper: the helper runs it if it gets to it before the caller
     * {@link Offer#take takes} it back.
     *
     * @param work the work, run once, on whichever thread gets to it first
     * @param helper the helper
     * @param <T> its result's type
     * @return the offer
     */
    public static <T> Offer<T> offer(Supplier<T> work, Executor helper) {
        return new Offer<>(work, helper);
    }

    /**
     * Work offered to a helper thread, which the caller takes back if the helper has not started it (a helper
     * busy with something else would otherwise keep the caller waiting).
     *
     * @param <T> the work's result
     */
    public static final class Offer<T> {
        private static final int OPEN = 0;
        private static final int HELPER = 1;
        private static final int CALLER = 2;
        private final Supplier<T> work;
        /** Who took the work: {@link #OPEN} (nobody yet), {@link #HELPER} or {@link #CALLER}. */
        private final AtomicInteger taker = new AtomicInteger(OPEN);
        private final FutureTask<T> task;

        private Offer(Supplier<T> work, Executor helper) {
            this.work = work;
            this.task = new FutureTask<>(() -> taker.compareAndSet(OPEN, HELPER) ? work.get() : null);
            helper.execute(task);
        }

        /**
         * The work's result: the helper's, once it has ended, where it started the work; else the work run now on
         * the calling thread.
         *
         * @return the result
         * @throws RuntimeException the work's failure
         */
        public T take() {
            return taker.compareAndSet(OPEN, CALLER) ? work.get() : await(task, true);
        }

        /**
         * For a caller that is failing: withdraws the work where nobody has started it; waits for it to end (its
         * failure is not rethrown) where the helper has; returns at once where the caller took it.
         *
         * @return whether the work will never run
         */
        public boolean withdraw() {
            if (taker.compareAndSet(OPEN, CALLER)) {
                return true;
            }
            if (taker.get() == HELPER) {
                await(task, false);
            }
            return false;
        }

        /**
         * Whether the helper ran the work (known once {@link #take} has returned).
         *
         * @return whether it did
         */
        public boolean helped() {
            return taker.get() == HELPER;
        }
    }

    /**
     * Waits for a task to end, through interrupts (the interrupt is kept for the caller); returns its result,
     * or, when it failed, rethrows its failure ({@code rethrow}) or returns null.
     *
     * @param task the task
     * @param rethrow whether its failure is rethrown
     * @param <T> its result's type
     * @return its result, or null
     */
    public static <T> T await(Future<T> task, boolean rethrow) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (CancellationException e) {
                    return null;
                } catch (ExecutionException e) {
                    if (!rethrow) {
                        return null;
                    }
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
