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
        check(n, q);
        double h = (n - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, n - 1);
        double a = sorted[from + lo];
        return a + (h - lo) * (sorted[from + hi] - a);
    }

    /** Largest number of order statistics {@link #ofTail} keeps in its buffer before it sorts instead. */
    private static final int TAIL_BUFFER = 64;

    /**
     * Returns the {@code q}-quantile of the unsorted range {@code values[from, to)}, the same value as
     * {@link #ofSorted} on the sorted range. For a quantile near 0 or 1 it keeps only the few smallest
     * (or largest) values in a small sorted buffer, one comparison for most values, instead of sorting
     * the range. The range is left unchanged.
     *
     * @param values the values, in any order, none NaN
     * @param from first index, inclusive
     * @param to last index, exclusive; greater than {@code from}
     * @param q the quantile in [0, 1]
     * @return the interpolated quantile
     */
    public static double ofTail(double[] values, int from, int to, double q) {
        int n = to - from;
        check(n, q);
        int lo = (int) Math.floor((n - 1) * q);
        int hi = Math.min(lo + 1, n - 1);
        // ranks lo and hi from the bottom are ranks n-1-hi and n-1-lo from the top
        boolean fromTop = n - lo < hi + 1;
        int keep = fromTop ? n - lo : hi + 1;
        if (keep > TAIL_BUFFER) {
            double[] sorted = java.util.Arrays.copyOfRange(values, from, to);
            java.util.Arrays.sort(sorted);
            return ofSorted(sorted, q);
        }
        double sign = fromTop ? -1 : 1; // from the top: keep the smallest of the negated values
        double[] smallest = new double[keep];
        int size = 0;
        for (int i = from; i < to; i++) {
            double x = sign * values[i];
            if (size == keep && !(x < smallest[keep - 1])) {
                continue;
            }
            int at = size == keep ? keep - 1 : size++;
            while (at > 0 && smallest[at - 1] > x) {
                smallest[at] = smallest[at - 1];
                at--;
            }
            smallest[at] = x;
        }
        double a = sign * smallest[fromTop ? n - 1 - lo : lo];
        double b = sign * smallest[fromTop ? n - 1 - hi : hi];
        return a + ((n - 1) * q - lo) * (b - a);
    }

    private static void check(int n, double q) {
        if (n <= 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1]: " + q);
        }
    }
}
