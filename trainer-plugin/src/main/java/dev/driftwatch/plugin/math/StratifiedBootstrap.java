package dev.driftwatch.plugin.math;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Seeded percentile bootstrap of the mean, for several metrics and several strata (probe slices) at
 * once.
 *
 * <p>Each resample draws, within every stratum, as many examples with replacement as the stratum
 * has; one draw picks a whole row, so all metrics share the resample (and the random numbers). A
 * stratum's interval comes from its own resample means; the overall interval comes from the
 * size-weighted sum of the strata's resample means, i.e. a stratified bootstrap: the composition of
 * a probe set is fixed by design, so its slice sizes are not resampled. With one stratum this is the
 * ordinary bootstrap.
 *
 * <p>Cost: {@code resamples * N} random draws plus {@code resamples * N * M} additions, on primitive
 * arrays; a SplitMix64 generator gives two draws per 64-bit output (Lemire's multiply-shift bound).
 * Blocks of resamples run on the common fork-join pool (the training thread waits for them anyway);
 * each block is seeded from the seed, its stratum and its index, so results are reproducible.
 */
public final class StratifiedBootstrap {

    /** Two-sided 95% interval. */
    private static final double LOW = 0.025;
    private static final double HIGH = 0.975;
    /** Resamples per parallel task (and per seed). */
    static final int BLOCK = 125;
    /** SplitMix64's increment. */
    static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final int resamples;
    private final long seed;

    /**
     * Creates a bootstrap.
     *
     * @param resamples number of resamples, at least 1000 for a stable 95% interval
     * @param seed the seed; the same seed and data give the same interval
     */
    public StratifiedBootstrap(int resamples, long seed) {
        if (resamples < 2) {
            throw new IllegalArgumentException("resamples must be >= 2: " + resamples);
        }
        this.resamples = resamples;
        this.seed = seed;
    }

    /**
     * Returns the number of resamples.
     *
     * @return the resamples
     */
    public int resamples() {
        return resamples;
    }

    /**
     * Returns the seed.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * Intervals of the mean: {@code low[s][m]}, {@code high[s][m]} per stratum, and {@code overallLow[m]},
     * {@code overallHigh[m]}.
     *
     * @param low lower bounds per stratum and metric
     * @param high upper bounds per stratum and metric
     * @param overallLow lower bounds over all strata per metric
     * @param overallHigh upper bounds over all strata per metric
     */
    public record Intervals(double[][] low, double[][] high, double[] overallLow, double[] overallHigh) {}

    /**
     * Computes the intervals.
     *
     * @param rows row-major values, {@code rows[i * metrics + m]} is metric m of example i
     * @param metrics number of metrics per row
     * @param stratumOf the stratum of each example, in {@code [0, strata)}
     * @param strata number of strata; each must hold at least one example
     * @return the intervals
     */
    public Intervals run(double[] rows, int metrics, int[] stratumOf, int strata) {
        int n = stratumOf.length;
        if (rows.length != n * metrics) {
            throw new IllegalArgumentException("rows must hold " + n + " x " + metrics + " values");
        }
        int[] sizes = new int[strata];
        for (int s : stratumOf) {
            sizes[s]++;
        }
        // Gather each stratum's rows contiguously so a draw reads one short run of memory.
        double[][] local = new double[strata][];
        int[] fill = new int[strata];
        for (int s = 0; s < strata; s++) {
            if (sizes[s] == 0) {
                throw new IllegalArgumentException("stratum " + s + " is empty");
            }
            local[s] = new double[sizes[s] * metrics];
        }
        for (int i = 0; i < n; i++) {
            int s = stratumOf[i];
            System.arraycopy(rows, i * metrics, local[s], fill[s] * metrics, metrics);
            fill[s]++;
        }
        // means[s][m * resamples + b]; resamples run in blocks, each with its own seed derived from
        // (seed, stratum, block), so the result does not depend on how many threads run them.
        double[][] means = new double[strata][metrics * resamples];
        int blocks = (resamples + BLOCK - 1) / BLOCK;
        IntStream.range(0, strata * blocks).parallel().forEach(task -> {
            int s = task / blocks;
            int from = (task % blocks) * BLOCK;
            resample(local[s], sizes[s], metrics, from, Math.min(resamples, from + BLOCK), mix(seed, s, task % blocks),
                    means[s]);
        });
        return intervals(means, sizes, n, metrics);
    }

    /**
     * Turns resample means into intervals: per stratum, and overall as the size-weighted sum.
     *
     * @param means {@code means[s][m * resamples + b]}
     * @param sizes the strata's sizes
     * @param n their sum
     * @param metrics number of metrics
     * @return the intervals
     */
    Intervals intervals(double[][] means, int[] sizes, int n, int metrics) {
        int strata = sizes.length;
        double[][] low = new double[strata][metrics];
        double[][] high = new double[strata][metrics];
        double[] overall = new double[metrics * resamples];
        for (int s = 0; s < strata; s++) {
            double w = (double) sizes[s] / n;
            for (int k = 0; k < overall.length; k++) {
                overall[k] += w * means[s][k];
            }
            percentiles(means[s], metrics, low[s], high[s]);
        }
        double[] overallLow = new double[metrics];
        double[] overallHigh = new double[metrics];
        percentiles(overall, metrics, overallLow, overallHigh);
        return new Intervals(low, high, overallLow, overallHigh);
    }

    /** Draws resamples {@code [from, to)} of one stratum; two row indices per 64-bit SplitMix64 output. */
    private void resample(double[] x, int size, int metrics, int from, int to, long state, double[] out) {
        double[] sums = new double[metrics];
        for (int b = from; b < to; b++) {
            Arrays.fill(sums, 0);
            int j = 0;
            while (j < size) {
                state += GOLDEN;
                long z = mix64(state);
                int row = (int) (((z & 0xFFFFFFFFL) * size) >>> 32) * metrics;
                for (int m = 0; m < metrics; m++) {
                    sums[m] += x[row + m];
                }
                if (++j < size) {
                    row = (int) (((z >>> 32) * size) >>> 32) * metrics;
                    for (int m = 0; m < metrics; m++) {
                        sums[m] += x[row + m];
                    }
                    j++;
                }
            }
            for (int m = 0; m < metrics; m++) {
                out[m * resamples + b] = sums[m] / size;
            }
        }
    }

    /** SplitMix64's output function. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The seed of one block of resamples of one stratum. */
    static long mix(long seed, int stratum, int block) {
        long z = seed ^ (0x632BE59BD9B4E019L * (stratum + 1)) ^ (0x9E3779B97F4A7C15L * (block + 1));
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        return z ^ (z >>> 33);
    }

    private void percentiles(double[] byMetric, int metrics, double[] low, double[] high) {
        for (int m = 0; m < metrics; m++) {
            int from = m * resamples;
            int to = from + resamples;
            low[m] = Quantiles.ofTail(byMetric, from, to, LOW);
            high[m] = Quantiles.ofTail(byMetric, from, to, HIGH);
        }
    }
}
