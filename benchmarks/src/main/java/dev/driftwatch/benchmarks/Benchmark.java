package dev.driftwatch.benchmarks;

import java.util.List;

/** One benchmark of the harness; {@link Benchmarks} runs them and prints one table. */
public interface Benchmark {

    /**
     * A short name, used to select the benchmark on the command line.
     *
     * @return the name, e.g. {@code listener}
     */
    String name();

    /**
     * Runs the benchmark, with its baseline measured in the same run.
     *
     * @param quick true for a short smoke run (fewer repetitions), false for the full measurement
     * @return the result rows
     * @throws Exception when the benchmark cannot run
     */
    List<Result> run(boolean quick) throws Exception;

    /**
     * One row of the results table.
     *
     * @param benchmark the benchmark's name
     * @param measurement what was measured, e.g. {@code p99 hand-over}
     * @param value the measured value
     * @param unit its unit
     * @param baseline the baseline measured in the same run, or NaN when the row has none
     * @param ratio {@code value / baseline} (or the row's own ratio), or NaN
     * @param target the target as text, e.g. {@code <= 1.25x}
     * @param met whether the target is met, or null when the row has no target
     */
    record Result(
            String benchmark,
            String measurement,
            double value,
            String unit,
            double baseline,
            double ratio,
            String target,
            Boolean met) {}
}
