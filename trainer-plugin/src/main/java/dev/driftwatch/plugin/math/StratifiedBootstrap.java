package dev.driftwatch.plugin.math;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Seeded studentized (bootstrap-t) interval of the mean, for several metrics and several strata
 * (probe slices) at once.
 *
 * <p>Each resample draws, within every stratum, as many examples with replacement as the stratum
 * has; one draw picks a whole row, so all metrics share the resample (and the random numbers). Each
 * resample gives a mean and a standard error, hence {@code t* = (mean* - mean) / se*}; the interval is
 * {@code [mean - t*(97.5%) se, mean - t*(2.5%) se]}, clamped to the range of the data. Unlike the
 * percentile interval, this carries the skew of the per-example values (KL values are right-skewed:
 * a resample that misses the large values has a small mean <em>and</em> a small standard error), which
 * is what makes the percentile interval cover 72-94% instead of 95% (see docs/metrics.md for the
 * measured coverage). A stratum's interval comes from its own resamples; the overall interval uses
 * the size-weighted mean {@code sum w_s mean_s} and standard error {@code sqrt(sum w_s^2 var_s / n_s)},
 * i.e. a stratified bootstrap: the composition of a probe set is fixed by design, so its slice sizes
 * are not resampled. With one stratum this is the ordinary bootstrap-t. Values are centred on their
 * stratum's mean before resampling, so the sums of squares lose nothing to cancellation.
 *
 * <p>The 5% the interval may miss is not split evenly: the side the values are skewed to gets 1%
 * (0.5% when {@link TailIndex} finds the tail heavy), the other 2.5%, because a skewed sample that lacks
 * its largest values understates both its mean and its spread, and no resampling of it can show the
 * values it lacks. The levels come from the coverage simulation documented in docs/metrics.md.
 *
 * <p>Cost: {@code resamples * N} random draws plus {@code resamples * N * M} additions, on primitive
 * arrays; a SplitMix64 generator gives two draws per 64-bit output (Lemire's multiply-shift bound).
 * Blocks of resamples run on the common fork-join pool (the training thread waits for them anyway);
 * each block is seeded from the seed, its stratum and its index, so results are reproducible.
 */
public final class StratifiedBootstrap {

    /** The short tail's share of the 5% the 95% interval may miss. */
    private static final double SHORT_TAIL = 0.025;
    /**
     * The long tail's share (the side the values are skewed to): the studentized statistic of a skewed
     * mean still under-covers on that side at a few hundred examples, so its end is taken further out;
     * chosen by the coverage simulation in IntervalCoverageTest (see docs/metrics.md).
     */
    private static final double LONG_TAIL = 0.01;
    /** The long tail's share when the values look heavy-tailed ({@link TailIndex#isHeavy}). */
    private static final double HEAVY_TAIL = 0.005;
    /** The t of a resample with no spread but another mean (e.g. all draws the same value): effectively infinite. */
    private static final double UNBOUNDED_T = 1e6;
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
        Strata data = Strata.of(rows, metrics, stratumOf, strata);
        for (int i = 0; i < n; i++) {
            int s = stratumOf[i];
            for (int m = 0; m < metrics; m++) {
                local[s][fill[s] * metrics + m] = rows[i * metrics + m] - data.mean()[s][m];
            }
            fill[s]++;
        }
        // means[s][m * resamples + b] of the centred values, squares likewise; resamples run in blocks,
        // each with its own seed derived from (seed, stratum, block), so the result does not depend on
        // how many threads run them.
        double[][] means = new double[strata][metrics * resamples];
        double[][] squares = new double[strata][metrics * resamples];
        int blocks = (resamples + BLOCK - 1) / BLOCK;
        IntStream.range(0, strata * blocks).parallel().forEach(task -> {
            int s = task / blocks;
            int from = (task % blocks) * BLOCK;
            resample(local[s], sizes[s], metrics, from, Math.min(resamples, from + BLOCK), mix(seed, s, task % blocks),
                    means[s], squares[s]);
        });
        return intervals(data, means, squares, metrics);
    }

    /**
     * Per stratum and metric: size, mean, unbiased variance, smallest and largest value.
     *
     * @param sizes the strata's sizes
     * @param mean {@code mean[s][m]}
     * @param variance {@code variance[s][m]}, 0 for a stratum of one
     * @param min {@code min[s][m]}
     * @param max {@code max[s][m]}
     */
    record Strata(int[] sizes, double[][] mean, double[][] variance, double[][] min, double[][] max,
            double[][] thirdMoment, boolean[][] heavy, boolean[] heavyOverall) {

        static Strata of(double[] rows, int metrics, int[] stratumOf, int strata) {
            int[] sizes = new int[strata];
            double[][] mean = new double[strata][metrics];
            double[][] variance = new double[strata][metrics];
            double[][] min = new double[strata][metrics];
            double[][] max = new double[strata][metrics];
            for (double[] row : min) {
                Arrays.fill(row, Double.POSITIVE_INFINITY);
            }
            for (double[] row : max) {
                Arrays.fill(row, Double.NEGATIVE_INFINITY);
            }
            for (int i = 0; i < stratumOf.length; i++) {
                int s = stratumOf[i];
                sizes[s]++;
                for (int m = 0; m < metrics; m++) {
                    double v = rows[i * metrics + m];
                    mean[s][m] += v;
                    min[s][m] = Math.min(min[s][m], v);
                    max[s][m] = Math.max(max[s][m], v);
                }
            }
            for (int s = 0; s < strata; s++) {
                if (sizes[s] == 0) {
                    throw new IllegalArgumentException("stratum " + s + " is empty");
                }
                for (int m = 0; m < metrics; m++) {
                    mean[s][m] /= sizes[s];
                }
            }
            double[][] third = new double[strata][metrics];
            for (int i = 0; i < stratumOf.length; i++) {
                int s = stratumOf[i];
                for (int m = 0; m < metrics; m++) {
                    double d = rows[i * metrics + m] - mean[s][m];
                    variance[s][m] += d * d;
                    third[s][m] += d * d * d;
                }
            }
            for (int s = 0; s < strata; s++) {
                for (int m = 0; m < metrics; m++) {
                    variance[s][m] = sizes[s] > 1 ? variance[s][m] / (sizes[s] - 1) : 0;
                    third[s][m] /= sizes[s];
                }
            }
            // heavy tails, per stratum and over all examples: the Hill estimate of each metric's values
            boolean[][] heavy = new boolean[strata][metrics];
            boolean[] heavyOverall = new boolean[metrics];
            int n = stratumOf.length;
            double[] all = new double[n];
            double[][] byStratum = new double[strata][];
            for (int s = 0; s < strata; s++) {
                byStratum[s] = new double[sizes[s]];
            }
            for (int m = 0; m < metrics; m++) {
                int[] fill = new int[strata];
                for (int i = 0; i < n; i++) {
                    all[i] = rows[i * metrics + m];
                    byStratum[stratumOf[i]][fill[stratumOf[i]]++] = all[i];
                }
                Arrays.sort(all);
                heavyOverall[m] = TailIndex.isHeavy(TailIndex.hill(all, 0, n));
                for (int s = 0; s < strata; s++) {
                    Arrays.sort(byStratum[s]);
                    heavy[s][m] = TailIndex.isHeavy(TailIndex.hill(byStratum[s], 0, sizes[s]));
                }
            }
            return new Strata(sizes, mean, variance, min, max, third, heavy, heavyOverall);
        }
    }

    /**
     * Turns resample means and mean squares (of the centred values) into studentized intervals: per
     * stratum, and overall for the size-weighted mean.
     *
     * @param data the strata's own statistics
     * @param means {@code means[s][m * resamples + b]}, resample means of the values minus their stratum's mean
     * @param squares the resample means of their squares, same layout
     * @param metrics number of metrics
     * @return the intervals
     */
    Intervals intervals(Strata data, double[][] means, double[][] squares, int metrics) {
        int[] sizes = data.sizes();
        int strata = sizes.length;
        int n = Arrays.stream(sizes).sum();
        double[][] low = new double[strata][metrics];
        double[][] high = new double[strata][metrics];
        double[] overallLow = new double[metrics];
        double[] overallHigh = new double[metrics];
        double[] t = new double[resamples];
        double[] shift = new double[resamples];
        double[] variance = new double[resamples];
        for (int m = 0; m < metrics; m++) {
            double mean = 0;
            double se2 = 0;
            double min = 0;
            double max = 0;
            double skew = 0; // the third cumulant of the stratified mean, up to a positive factor
            Arrays.fill(shift, 0);
            Arrays.fill(variance, 0);
            for (int s = 0; s < strata; s++) {
                int size = sizes[s];
                double w = (double) size / n;
                mean += w * data.mean()[s][m];
                se2 += w * w * data.variance()[s][m] / size;
                min += w * data.min()[s][m];
                max += w * data.max()[s][m];
                skew += w * w * w * data.thirdMoment()[s][m] / ((double) size * size);
                for (int b = 0; b < resamples; b++) {
                    int k = m * resamples + b;
                    double vb = resampleVariance(means[s][k], squares[s][k], size) / size;
                    t[b] = studentized(means[s][k], vb);
                    shift[b] += w * means[s][k];
                    variance[b] += w * w * vb;
                }
                double se = Math.sqrt(data.variance()[s][m] / size);
                double[] bounds = bounds(t, data.mean()[s][m], se, data.min()[s][m], data.max()[s][m],
                        skewSide(data.thirdMoment()[s][m] / ((double) size * size), se, size), data.heavy()[s][m]);
                low[s][m] = bounds[0];
                high[s][m] = bounds[1];
            }
            for (int b = 0; b < resamples; b++) {
                t[b] = studentized(shift[b], variance[b]);
            }
            double[] bounds = bounds(t, mean, Math.sqrt(se2), min, max, skewSide(skew, Math.sqrt(se2), n),
                    data.heavyOverall()[m]);
            overallLow[m] = bounds[0];
            overallHigh[m] = bounds[1];
        }
        return new Intervals(low, high, overallLow, overallHigh);
    }

    /** The unbiased variance of one resample from its mean and mean square (centred values). */
    private static double resampleVariance(double mean, double meanSquare, int size) {
        return size > 1 ? Math.max(0, meanSquare - mean * mean) * size / (size - 1) : 0;
    }

    /** {@code (mean* - mean) / se*}, the resample mean already centred on the sample's. */
    private static double studentized(double shift, double variance) {
        if (variance > 0) {
            return shift / Math.sqrt(variance);
        }
        return shift == 0 ? 0 : Math.copySign(UNBOUNDED_T, shift);
    }

    /**
     * The side the mean's distribution is skewed to, when the skew is clear: +1 right, -1 left, 0 when
     * the mean's estimated skewness {@code kappa3 / se^3} is within two standard errors of 0 (for n iid
     * values the mean's skewness is the values' over sqrt(n), whose standard error is sqrt(6 / n)).
     *
     * @param kappa3 the third cumulant of the mean
     * @param se the mean's standard error
     * @param n the number of values
     */
    private static int skewSide(double kappa3, double se, int n) {
        double skewness = se > 0 ? kappa3 / (se * se * se) : 0;
        return Math.abs(skewness) > 2 * Math.sqrt(6.0) / n ? (int) Math.signum(skewness) : 0;
    }

    /**
     * {@code [mean - t(1 - a_low) se, mean - t(a_high) se]} within {@code [min, max]}, the long tail's
     * share {@code a} on the side of the skew.
     */
    private static double[] bounds(double[] t, double mean, double se, double min, double max, int skewSide,
            boolean heavy) {
        if (!(se > 0)) {
            return new double[] {mean, mean};
        }
        double longTail = heavy ? HEAVY_TAIL : LONG_TAIL;
        double missLow = skewSide < 0 ? longTail : SHORT_TAIL;
        double missHigh = skewSide > 0 ? longTail : SHORT_TAIL;
        double low = mean - Quantiles.ofTail(t, 0, t.length, 1 - missLow) * se;
        double high = mean - Quantiles.ofTail(t, 0, t.length, missHigh) * se;
        return new double[] {Math.max(min, low), Math.min(max, high)};
    }

    /** Draws resamples {@code [from, to)} of one stratum; two row indices per 64-bit SplitMix64 output. */
    private void resample(double[] x, int size, int metrics, int from, int to, long state, double[] out,
            double[] outSquares) {
        double[] sums = new double[metrics];
        double[] squares = new double[metrics];
        for (int b = from; b < to; b++) {
            Arrays.fill(sums, 0);
            Arrays.fill(squares, 0);
            int j = 0;
            while (j < size) {
                state += GOLDEN;
                long z = mix64(state);
                int row = (int) (((z & 0xFFFFFFFFL) * size) >>> 32) * metrics;
                for (int m = 0; m < metrics; m++) {
                    sums[m] += x[row + m];
                    squares[m] += x[row + m] * x[row + m];
                }
                if (++j < size) {
                    row = (int) (((z >>> 32) * size) >>> 32) * metrics;
                    for (int m = 0; m < metrics; m++) {
                        sums[m] += x[row + m];
                        squares[m] += x[row + m] * x[row + m];
                    }
                    j++;
                }
            }
            for (int m = 0; m < metrics; m++) {
                out[m * resamples + b] = sums[m] / size;
                outSquares[m * resamples + b] = squares[m] / size;
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

}
