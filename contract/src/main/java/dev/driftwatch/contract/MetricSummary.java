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
 * @param tailIndex the Hill estimate of the tail index alpha of the per-example values, or null when
 *     not estimated (fewer than 20 values, or values that are not positive); below {@link #HEAVY_TAIL}
 *     the values have infinite variance and the interval cannot keep its 95% (docs/metrics.md)
 * @param samplingStdError the standard error the sampled base tail adds to the mean (same unit), or null
 *     when the base is exact or kept without samples; the interval already includes it
 */
public record MetricSummary(
        long count, double mean, double p50, double p90, double p99, double max, double ciLow, double ciHigh,
        Double tailIndex, Double samplingStdError) {

    /** The tail index below which the values count as heavy-tailed. */
    public static final double HEAVY_TAIL = 2.0;

    /**
     * A summary without the diagnostics.
     *
     * @param count number of examples aggregated
     * @param mean mean of the per-example values
     * @param p50 median
     * @param p90 90th percentile
     * @param p99 99th percentile
     * @param max largest value
     * @param ciLow lower bound of the 95% interval of the mean
     * @param ciHigh upper bound of that interval
     */
    public MetricSummary(long count, double mean, double p50, double p90, double p99, double max, double ciLow,
            double ciHigh) {
        this(count, mean, p50, p90, p99, max, ciLow, ciHigh, null, null);
    }

    /**
     * Tells whether the values look heavy-tailed (a tail index below {@link #HEAVY_TAIL}).
     *
     * @return true when flagged
     */
    public boolean hasHeavyTail() {
        return tailIndex != null && tailIndex < HEAVY_TAIL;
    }

    /**
     * Returns this summary with the sampling standard error set.
     *
     * @param standardError the standard error, or null
     * @return the copy
     */
    public MetricSummary withSamplingStdError(Double standardError) {
        return new MetricSummary(count, mean, p50, p90, p99, max, ciLow, ciHigh, tailIndex, standardError);
    }
}
