package dev.driftwatch.plugin.base;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.driftwatch.plugin.math.Divergences;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The base model's output distributions on the probe set, kept on the device.
 *
 * <p>When the full log-probabilities ({@code N * T * V * 4} bytes) fit the memory budget they are kept
 * as they are and every divergence is exact. Otherwise each position keeps the base's top-k
 * log-probabilities, their class indices and the log of the remaining (tail) mass; the divergences
 * are then computed over those k + 1 coarse bins, which by the data-processing inequality bounds the
 * exact KL and JS from below ({@code approximation = topk(k)}). The base entropy and argmax are always
 * exact: they are taken from the full distribution at capture time.
 */
public final class BaseDistribution implements AutoCloseable {

    /** Column of KL(base||ft) in {@link #perPosition}'s result; then KL(ft||base), JS, TV. */
    public static final int KL_BASE_FT = Divergences.KL_PQ;
    /** Column of top-1 agreement in {@link #perPosition}'s result. */
    public static final int TOP1 = Divergences.BINNED_COLUMNS;
    /** Column of the fine-tuned entropy in {@link #perPosition}'s result. */
    public static final int ENTROPY_FT = Divergences.BINNED_COLUMNS + 1;
    /** Number of per-position columns. */
    public static final int COLUMNS = Divergences.BINNED_COLUMNS + 2;

    private final int topK;
    private final int classes;
    private final List<NDList> chunks; // per probe group
    private final double[] entropy;

    /**
     * Creates a base distribution from its parts (used by the capture and by the cache file).
     *
     * @param topK 0 for exact, else k
     * @param classes V, the size of the distribution's last axis
     * @param chunks per probe group: {@code [logBins, argmax]} when exact, {@code [logBins, argmax,
     *     topIndices]} for top-k; owned by this object from now on
     * @param entropy per-example base entropy (nats/token)
     */
    public BaseDistribution(int topK, int classes, List<NDList> chunks, double[] entropy) {
        this.topK = topK;
        this.classes = classes;
        this.chunks = List.copyOf(chunks);
        this.entropy = entropy.clone();
    }

    /**
     * Runs the base model over the probe groups and keeps what the measurements need.
     *
     * @param probes the probe groups
     * @param logProbs computes log-probabilities {@code [b, T, V]} of a forward batch, in the manager of its inputs
     * @param owner the manager that will own the kept arrays
     * @param totalPositions {@code N * T}, to decide between exact and top-k
     * @param budgetBytes the memory budget for the full log-probabilities
     * @param k how many classes to keep per position when the budget is exceeded
     * @return the base distribution
     * @throws IllegalStateException when the base output has NaN or Inf
     */
    public static BaseDistribution capture(
            List<ProbeGroup> probes,
            Function<ProbeChunk, NDArray> logProbs,
            NDManager owner,
            long totalPositions,
            long budgetBytes,
            int k) {
        List<NDList> kept = new ArrayList<>();
        List<double[]> entropies = new ArrayList<>();
        int keepTopK = -1;
        int classes = 0;
        for (ProbeGroup chunk : probes) {
            try (NDManager scoped = owner.newSubManager()) {
                chunk.tempAttach(scoped);
                NDArray lp = logProbs(chunk, logProbs, scoped).toType(DataType.FLOAT32, false);
                if (lp.isNaN().logicalOr(lp.isInfinite()).any().getBoolean()) {
                    throw new IllegalStateException("the base model's output has NaN or Inf on probe examples "
                            + chunk.offset() + ".." + (chunk.offset() + chunk.size() - 1));
                }
                if (keepTopK < 0) {
                    classes = (int) lp.getShape().get(2);
                    boolean fits = totalPositions * classes * 4L <= budgetBytes;
                    keepTopK = fits || k >= classes ? 0 : k;
                }
                NDArray p = lp.exp();
                NDArray ent = Divergences.entropy(lp, p).expandDims(-1);
                entropies.add(toDoubles(Divergences.perExample(ent, chunk.mask()).get(0)));
                NDArray argmax = lp.argMax(-1);
                NDList keep;
                if (keepTopK == 0) {
                    keep = new NDList(lp, argmax);
                } else {
                    NDList top = lp.topK(keepTopK, -1);
                    keep = new NDList(Divergences.withTailBin(top.get(0)).get(0), argmax, top.get(1));
                }
                keep.attach(owner);
                kept.add(keep);
            }
        }
        double[] entropy = new double[entropies.stream().mapToInt(e -> e.length).sum()];
        int at = 0;
        for (double[] e : entropies) {
            System.arraycopy(e, 0, entropy, at, e.length);
            at += e.length;
        }
        return new BaseDistribution(keepTopK, classes, kept, entropy);
    }

    /**
     * Runs the forward batches of a group and concatenates their log-probabilities. Each batch runs in
     * its own scope, so a batch's activations are freed before the next one runs; only the
     * log-probabilities move on to the caller's scope.
     *
     * @param group the group
     * @param logProbs computes the log-probabilities of one forward batch, in the manager of its inputs
     * @param scoped the caller's scope, which receives the result
     * @return {@code [group size, T, V]}, attached to {@code scoped}
     */
    public static NDArray logProbs(ProbeGroup group, Function<ProbeChunk, NDArray> logProbs, NDManager scoped) {
        NDList parts = new NDList(group.batches().size());
        for (ProbeChunk batch : group.batches()) {
            try (NDManager forward = scoped.newSubManager()) {
                forward.tempAttachAll(batch.inputs());
                NDArray lq = logProbs.apply(batch);
                lq.attach(scoped);
                parts.add(lq);
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    /**
     * Computes the per-position metrics of the current distribution against the base, for the examples
     * {@code [from, to)} of one group. Run inside a scoped manager: the slices taken here are attached to
     * it, so everything computed is freed with it, while the chunk's own arrays stay.
     *
     * @param chunk the group's index
     * @param lq current log-probabilities of the whole group {@code [b, T, V]}
     * @param from first example of the slice, within the group
     * @param to end of the slice, exclusive
     * @param scoped the manager of the slice's temporaries
     * @return {@code [to - from, T, COLUMNS]}: KL(base||ft), KL(ft||base), JS, TV, top-1 agreement, entropy of ft
     */
    public NDArray perPosition(int chunk, NDArray lq, int from, int to, NDManager scoped) {
        NDList base = chunks.get(chunk);
        String rows = from + ":" + to;
        boolean whole = from == 0 && to == lq.getShape().get(0);
        NDArray lqs = slice(lq, rows, whole, scoped);
        NDArray lp = slice(base.get(0), rows, whole, scoped);
        NDArray argmax = slice(base.get(1), rows, whole, scoped);
        NDArray q = lqs.exp();
        NDArray binned;
        if (topK == 0) {
            binned = Divergences.binned(lp, lp.exp(), lqs, q);
        } else {
            NDList ftBins = Divergences.withTailBin(lqs.gather(slice(base.get(2), rows, whole, scoped), -1));
            binned = Divergences.binned(lp, lp.exp(), ftBins.get(0), ftBins.get(1));
        }
        NDArray top1 = Divergences.topAgrees(lqs, argmax).toType(lqs.getDataType(), false);
        NDArray entropyFt = Divergences.entropy(lqs, q);
        return binned.concat(NDArrays.stack(new NDList(top1, entropyFt), top1.getShape().dimension()), -1);
    }

    /**
     * Returns how many examples of a chunk to compute at once so that each temporary array stays near
     * {@code elements} values (cache-sized), at least one.
     *
     * @param positions T
     * @param elements the target number of values per temporary
     * @return examples per slice
     */
    public int sliceSize(int positions, long elements) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, elements / ((long) positions * classes)));
    }

    /**
     * A row slice attached to the scope. The whole array is returned as it is: it is already attached
     * to the caller's enclosing scope (attaching it again would hand it to the inner scope for good).
     */
    private static NDArray slice(NDArray a, String rows, boolean whole, NDManager scoped) {
        if (whole) {
            return a;
        }
        NDArray s = a.get(rows);
        s.attach(scoped);
        return s;
    }

    /**
     * Temporarily attaches a probe group's arrays and this base's arrays for it to a scoped manager, so
     * that everything computed from them is freed with the scope.
     *
     * @param scoped the scoped manager
     * @param group the probe group
     * @param index the group's index
     */
    public void tempAttach(NDManager scoped, ProbeGroup group, int index) {
        group.tempAttach(scoped);
        scoped.tempAttachAll(chunks.get(index));
    }

    /**
     * Returns the number of probe groups this base was captured for.
     *
     * @return the group count
     */
    public int groups() {
        return chunks.size();
    }

    /**
     * Returns the per-example base entropy (mean over scored positions, nats/token).
     *
     * @return a copy, N values
     */
    public double[] entropy() {
        return entropy.clone();
    }

    /**
     * Returns how the base is kept: {@code exact} or {@code topk(k)}.
     *
     * @return the approximation label of the checkpoints
     */
    public String approximation() {
        return topK == 0 ? "exact" : "topk(" + topK + ")";
    }

    /**
     * Returns k, or 0 when the base is kept exactly.
     *
     * @return k or 0
     */
    public int topK() {
        return topK;
    }

    /**
     * Returns V, the number of classes (or vocabulary size) of the model output.
     *
     * @return V
     */
    public int classes() {
        return classes;
    }

    /**
     * Returns the kept arrays of one probe group.
     *
     * @param chunk the group's index
     * @return its arrays (owned by this object)
     */
    public NDList arrays(int chunk) {
        return chunks.get(chunk);
    }

    /**
     * Returns the kept arrays per chunk (for the cache file).
     *
     * @return the chunks' arrays
     */
    List<NDList> chunks() {
        return chunks;
    }

    /**
     * Returns the number of bytes the kept arrays occupy on the device.
     *
     * @return bytes
     */
    public long bytes() {
        long total = 0;
        for (NDList l : chunks) {
            for (NDArray a : l) {
                total += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return total;
    }

    private static double[] toDoubles(NDArray a) {
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Frees the kept arrays. */
    @Override
    public void close() {
        for (NDList l : chunks) {
            l.close();
        }
    }
}
