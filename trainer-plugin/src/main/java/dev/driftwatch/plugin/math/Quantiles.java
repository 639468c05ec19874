package dev.driftwatch.plugin.math;

/**
 * Quantiles of sorted samples, by linear interpolation between closest ranks (Hyndman and Fan type 7,
 * the default of NumPy and R).
 */
public final class Quantiles {

    private Quantiles() {}

    /**
     * Returns the {@code q}-quantile of values that are already sorted ascending.
     *
     * @param sorted the values, ascending, at least one
     * @param q the quantile in [0, 1]
     * @return the interpolated quantile
     * @throws IllegalArgumentException when {@code sorted} is empty or {@code q} is outside [0, 1]
     */
    public static double ofSorted(double[] sorted, double q) {
        return ofSorted(sorted, 0, sorted.length, q);
    }

    /**
     * Returns the {@code q}-quantile of the sorted range {@code sorted[from, to)}.
     *
     * @param sorted values, ascending within the range
     * @param from first index, inclusive
     * @param to last index, exclusive; greater than {@code from}
     * @param q the quantile in [0, 1]
     * @return the interpolated quantile
     */
    public static double ofSorted(double[] sorted, int from, int to, double q) {
        int n = to - from;
        if (n <= 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1]: " + q);
        }
        double h = (n - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, n - 1);
        double a = sorted[from + lo];
        return a + (h - lo) * (sorted[from + hi] - a);
    }
}
