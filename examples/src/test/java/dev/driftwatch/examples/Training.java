package dev.driftwatch.examples;

import dev.driftwatch.plugin.report.DriftSink;

/**
 * A stand-in training loop: a fixed amount of CPU work per step, then a checkpoint handed to the
 * sink, as the drift listener does on the training thread.
 */
final class Training {

    private static final int WORK_PER_STEP = 40_000;
    private static volatile double sink;

    private Training() {}

    /**
     * Trains steps {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param driftSink the sink, or null for training without one
     * @param runKey the run
     * @param from first step
     * @param to end step
     * @return the nanoseconds each hand-over took
     */
    static long[] run(DriftSink driftSink, String runKey, long from, long to) {
        return run(driftSink, runKey, from, to, 1);
    }

    /**
     * Trains steps {@code from} (inclusive) to {@code to} (exclusive), with more work per step.
     *
     * @param driftSink the sink, or null for training without one
     * @param runKey the run
     * @param from first step
     * @param to end step
     * @param workFactor how many units of work (about a millisecond each) a step takes
     * @return the nanoseconds each hand-over took
     */
    static long[] run(DriftSink driftSink, String runKey, long from, long to, int workFactor) {
        long[] handOver = new long[(int) (to - from)];
        for (long step = from; step < to; step++) {
            for (int i = 0; i < workFactor; i++) {
                work(step + i);
            }
            if (driftSink != null) {
                var report = TrainingRecords.checkpoint(runKey, step);
                long start = System.nanoTime();
                driftSink.checkpoint(report);
                handOver[(int) (step - from)] = System.nanoTime() - start;
            }
        }
        return handOver;
    }

    /**
     * Times a run of {@code steps} steps.
     *
     * @param driftSink the sink, or null
     * @param runKey the run
     * @param steps how many steps
     * @return nanoseconds
     */
    static long time(DriftSink driftSink, String runKey, int steps) {
        long start = System.nanoTime();
        run(driftSink, runKey, 0, steps);
        return System.nanoTime() - start;
    }

    private static void work(long step) {
        double acc = step;
        for (int i = 0; i < WORK_PER_STEP; i++) {
            acc = Math.sin(acc) * 0.999 + i * 1e-9;
        }
        sink = acc;
    }
}
