package dev.driftwatch.plugin.math;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The {@link StratifiedBootstrap} as one matrix product on the device: the resamples are drawn once
 * (same seeds, same draws) and kept as a count matrix {@code C[b][i]} (how often resample b drew
 * example i), so each checkpoint's resample sums of all metrics and strata are {@code C X} for the
 * per-example matrix X. Every checkpoint thus uses the same resamples (common random numbers), which
 * also makes intervals of consecutive checkpoints comparable.
 *
 * <p>The count matrix takes {@code resamples * N * 4} bytes; {@link #fits} tells whether that is
 * acceptable, else use the streaming {@link StratifiedBootstrap}.
 */
public final class DeviceBootstrap implements AutoCloseable {

    /** Largest count matrix kept on the device, in entries (64 MiB of float32). */
    public static final long MAX_ENTRIES = 16L << 20;

    private final StratifiedBootstrap bootstrap;
    private final int[] stratumOf;
    private final int[] sizes;
    private final NDArray countsTransposed;

    /**
     * Tells whether the count matrix for a probe set is small enough to keep.
     *
     * @param examples N
     * @param resamples the resamples
     * @return true when {@code N * resamples <= MAX_ENTRIES}
     */
    public static boolean fits(int examples, int resamples) {
        return (long) examples * resamples <= MAX_ENTRIES;
    }

    /**
     * Draws the resamples and keeps their counts on the device.
     *
     * @param manager owns the count matrix
     * @param bootstrap resamples and seed
     * @param stratumOf each example's stratum
     * @param strata number of strata, none empty
     */
    public DeviceBootstrap(NDManager manager, StratifiedBootstrap bootstrap, int[] stratumOf, int strata) {
        this.bootstrap = bootstrap;
        this.stratumOf = stratumOf.clone();
        int n = stratumOf.length;
        int resamples = bootstrap.resamples();
        this.sizes = new int[strata];
        int[][] members = new int[strata][];
        for (int s : stratumOf) {
            sizes[s]++;
        }
        int[] fill = new int[strata];
        for (int s = 0; s < strata; s++) {
            members[s] = new int[sizes[s]];
        }
        for (int i = 0; i < n; i++) {
            members[stratumOf[i]][fill[stratumOf[i]]++] = i;
        }
        // counts transposed, [N, B], so that X^T C^T lands in the manager of X (the caller's scope)
        float[] counts = new float[n * resamples];
        int blocks = (resamples + StratifiedBootstrap.BLOCK - 1) / StratifiedBootstrap.BLOCK;
        for (int s = 0; s < strata; s++) {
            int size = sizes[s];
            for (int block = 0; block < blocks; block++) {
                long state = StratifiedBootstrap.mix(bootstrap.seed(), s, block);
                int to = Math.min(resamples, (block + 1) * StratifiedBootstrap.BLOCK);
                for (int b = block * StratifiedBootstrap.BLOCK; b < to; b++) {
                    int j = 0;
                    while (j < size) {
                        state += StratifiedBootstrap.GOLDEN;
                        long z = StratifiedBootstrap.mix64(state);
                        counts[members[s][(int) (((z & 0xFFFFFFFFL) * size) >>> 32)] * resamples + b]++;
                        if (++j < size) {
                            counts[members[s][(int) (((z >>> 32) * size) >>> 32)] * resamples + b]++;
                            j++;
                        }
                    }
                }
            }
        }
        this.countsTransposed = manager.create(counts, new Shape(n, resamples));
    }

    /**
     * Computes the intervals for this checkpoint's per-example values.
     *
     * @param scoped a scoped manager for the temporaries
     * @param rows row-major values, {@code rows[i * metrics + m]}
     * @param metrics number of metrics
     * @return the intervals
     */
    public StratifiedBootstrap.Intervals run(NDManager scoped, double[] rows, int metrics) {
        int n = stratumOf.length;
        int strata = sizes.length;
        int resamples = bootstrap.resamples();
        int width = strata * metrics;
        float[] x = new float[n * width];
        for (int i = 0; i < n; i++) {
            int at = i * width + stratumOf[i] * metrics;
            for (int m = 0; m < metrics; m++) {
                x[at + m] = (float) rows[i * metrics + m];
            }
        }
        NDArray xt = scoped.create(x, new Shape(n, width)).toDevice(countsTransposed.getDevice(), false).transpose();
        float[] sums = xt.matMul(countsTransposed).toFloatArray(); // [strata * metrics, B]
        double[][] means = new double[strata][metrics * resamples];
        for (int s = 0; s < strata; s++) {
            for (int k = 0; k < metrics * resamples; k++) {
                means[s][k] = sums[s * metrics * resamples + k] / (double) sizes[s];
            }
        }
        return bootstrap.intervals(means, sizes, n, metrics);
    }

    /** Frees the count matrix. */
    @Override
    public void close() {
        countsTransposed.close();
    }
}
