package dev.driftwatch.plugin.math;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The {@link StratifiedBootstrap} as one matrix product on the device: the resamples are drawn once
 * (same seeds, same draws) and kept as a count matrix {@code C[b][i]} (how often resample b drew
 * example i), so each checkpoint's resample sums of a stratum's metrics and of their squares are
 * {@code [X_s; X_s^2]^T C_s} for the stratum's centred per-example matrix {@code X_s} and its block of
 * counts {@code C_s} (its members' rows: the other strata's rows would multiply zeros). Every checkpoint thus uses the same resamples (common random numbers), which
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
    private final int[][] members;
    /** Per stratum, {@code [members, resamples]}: how often each resample drew each member. */
    private final NDArray[] counts;

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
     * Tells whether per-example values are small enough for the float32 sums of their squares: at most
     * {@link #MAX_MAGNITUDE} in size. Larger ones (a KL of order 1e20 and more, where one model rules out a
     * class the other allows) would overflow them to Inf or NaN; the {@link StratifiedBootstrap} sums in
     * double.
     *
     * @param values the per-example values, any layout
     * @return true when every value is at most {@link #MAX_MAGNITUDE} in size
     */
    public static boolean holds(double[] values) {
        for (double v : values) {
            if (!(Math.abs(v) <= MAX_MAGNITUDE)) {
                return false;
            }
        }
        return true;
    }

    /** The largest value {@link #holds}: its square times 16M resamples' worth of draws stays within float32. */
    public static final double MAX_MAGNITUDE = 1e12;

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
        this.members = new int[strata][];
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
        // per stratum [members, B], indexed by the member's position in its stratum
        float[][] counts = new float[strata][];
        for (int s = 0; s < strata; s++) {
            counts[s] = new float[sizes[s] * resamples];
        }
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
                        counts[s][(int) (((z & 0xFFFFFFFFL) * size) >>> 32) * resamples + b]++;
                        if (++j < size) {
                            counts[s][(int) (((z >>> 32) * size) >>> 32) * resamples + b]++;
                            j++;
                        }
                    }
                }
            }
        }
        this.counts = new NDArray[strata];
        for (int s = 0; s < strata; s++) {
            this.counts[s] = manager.create(counts[s], new Shape(sizes[s], resamples));
        }
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
        int strata = sizes.length;
        int resamples = bootstrap.resamples();
        StratifiedBootstrap.Strata data = StratifiedBootstrap.Strata.of(rows, metrics, stratumOf, strata);
        double[][] means = new double[strata][];
        double[][] squares = new double[strata][];
        for (int s = 0; s < strata; s++) {
            int size = sizes[s];
            // [X_s; X_s^2]^T with X centred on the stratum's mean, so the product needs no transpose and the
            // float32 sums of squares lose nothing to cancellation
            float[] xt = new float[2 * metrics * size];
            for (int j = 0; j < size; j++) {
                int row = members[s][j] * metrics;
                for (int m = 0; m < metrics; m++) {
                    double centred = rows[row + m] - data.mean()[s][m];
                    xt[m * size + j] = (float) centred;
                    xt[(metrics + m) * size + j] = (float) (centred * centred);
                }
            }
            NDArray x = scoped.create(xt, new Shape(2L * metrics, size)).toDevice(counts[s].getDevice(), false);
            float[] sums = x.matMul(counts[s]).toFloatArray(); // [2 metrics, B], in x's (scoped) manager
            means[s] = new double[metrics * resamples];
            squares[s] = new double[metrics * resamples];
            int half = metrics * resamples;
            for (int k = 0; k < half; k++) {
                means[s][k] = sums[k] / (double) size;
                squares[s][k] = sums[half + k] / (double) size;
            }
        }
        return bootstrap.intervals(data, means, squares, metrics);
    }

    /** Frees the count matrix. */
    @Override
    public void close() {
        for (NDArray c : counts) {
            c.close();
        }
    }
}
