package dev.driftwatch.monitor.query;

/**
 * One metric of one run over steps, as columns ready for a chart.
 *
 * @param runKey the run
 * @param metric the metric name
 * @param stat the statistic, or null for task and parameter metrics
 * @param unit the unit of the values
 * @param fromStep the requested first step, or null
 * @param toStep the requested last step, or null
 * @param sourcePoints checkpoints in the step range
 * @param downsampled true when fewer points than {@code sourcePoints} are returned
 * @param steps the steps of the points, increasing
 * @param values the values
 * @param ciLow the lower CI bound at each point (distribution metrics when asked for), or null
 * @param ciHigh the upper CI bound at each point, or null
 */
public record Trajectory(
        String runKey,
        String metric,
        String stat,
        String unit,
        Long fromStep,
        Long toStep,
        long sourcePoints,
        boolean downsampled,
        long[] steps,
        double[] values,
        double[] ciLow,
        double[] ciHigh) {}
