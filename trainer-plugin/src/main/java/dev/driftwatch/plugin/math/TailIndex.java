package dev.driftwatch.plugin.math;

import dev.driftwatch.contract.MetricSummary;

/**
 * The Hill estimate of the tail index alpha of per-example values: how heavy their right tail is
 * ({@code P(X > x) ~ x^-alpha}). At {@code alpha <= 2} the variance is infinite, the mean converges
 * slowly and no bootstrap interval of it keeps its 95% (measured: ~80% at alpha = 1.5), so a checkpoint
 * whose headline values look that heavy is flagged rather than shown with a falsely narrow interval.
 *
 * <p>Estimate: {@code alpha = k / sum_{i<k} ln(x_(n-i) / x_(n-k))} over the k = max(10, n/10) largest
 * values. Measured flag rates (alpha below 2) are in docs/metrics.md; log-normal values with
 * {@code sigma >= 1.5} look power-law-heavy at a few hundred samples and are flagged too (their intervals
 * do under-cover).
 */
public final class TailIndex {

    /** The index below which the tail counts as heavy: the variance is infinite. */
    public static final double HEAVY_BELOW = MetricSummary.HEAVY_TAIL;
    /** Fewest values for an estimate. */
    public static final int MIN_VALUES = 20;

    private TailIndex() {}

    /**
     * Estimates the tail index of a sorted range.
     *
     * @param sorted values ascending within {@code [from, to)}
     * @param from first index
     * @param to end index, exclusive
     * @return alpha, {@code +Infinity} when the top values are all equal, or NaN when there are fewer
     *     than {@link #MIN_VALUES} values or the threshold value is not positive
     */
    public static double hill(double[] sorted, int from, int to) {
        int n = to - from;
        if (n < MIN_VALUES) {
            return Double.NaN;
        }
        int k = Math.min(n - 1, Math.max(10, n / 10));
        double threshold = sorted[to - 1 - k];
        if (!(threshold > 0)) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = to - k; i < to; i++) {
            sum += Math.log(sorted[i] / threshold);
        }
        return sum > 0 ? k / sum : Double.POSITIVE_INFINITY;
    }

    /**
     * Tells whether a tail index marks a heavy tail.
     *
     * @param alpha from {@link #hill}
     * @return true when {@code alpha < 2}
     */
    public static boolean isHeavy(double alpha) {
        return alpha < HEAVY_BELOW;
    }
}
