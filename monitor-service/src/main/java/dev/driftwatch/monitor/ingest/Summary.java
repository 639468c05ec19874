package dev.driftwatch.monitor.ingest;

/**
 * One metric aggregated over the probe examples, as on the wire.
 *
 * @param count examples aggregated
 * @param mean mean
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param max maximum
 * @param ciLow lower bound of the 95% bootstrap CI of the mean
 * @param ciHigh upper bound of that CI
 */
public record Summary(long count, double mean, double p50, double p90, double p99, double max, double ciLow,
        double ciHigh) {}
