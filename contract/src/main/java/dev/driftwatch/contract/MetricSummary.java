package dev.driftwatch.contract;

/**
 * One metric aggregated over the probe examples of a checkpoint (or of one slice).
 *
 * @param count number of examples aggregated
 * @param mean mean of the per-example values
 * @param p50 median of the per-example values
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param max largest per-example value
 * @param ciLow lower bound of the seeded bootstrap 95% confidence interval of the mean
 * @param ciHigh upper bound of that interval
 */
public record MetricSummary(
        long count, double mean, double p50, double p90, double p99, double max, double ciLow, double ciHigh) {}
