package dev.driftwatch.plugin.base;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.driftwatch.plugin.math.Divergences;
import dev.driftwatch.plugin.math.JvmVectors;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The base model's output distributions on the probe set, kept on the device.
 *
 * <p>What is kept is the base's raw float32 <em>logits</em> (the model's exact output) and, per
 * position, its log-normaliser {@code log sum exp(logit / tau)} in float64; every log-probability is
 * formed in float64 as {@code logit / tau - normaliser}, the current model's the same way. Keeping
 * float32 log-probabilities instead would put a rounding error of up to ~5e-7 nats into every entry
 * and an error of ~1e-5 into the float32 normaliser of a 32k-vocabulary row (see docs/metrics.md).
 *
 * <p>When the full logits ({@code N * T * V * 4} bytes) fit the memory budget they are kept whole and
 * every divergence is exact ({@code approximation = exact}). Otherwise each position keeps a
 * {@link TailSketch}: the base's top-k classes and the log of the remaining (tail) mass, computed in
 * log space at capture. With no tail samples the divergences are computed over those k + 1 coarse
 * bins, a true lower bound of the exact KL, JS and TV by the data-processing inequality
 * ({@code topk(k)}). With m tail samples ({@code topk(k)+tail(m)}) the tail's contribution is
 * estimated without bias from the classes sampled in proportion to the base probability (see
 * {@link #perPosition}), never below the k + 1-bin lower bound. The base entropy and argmax are always
 * exact: they come from the full distribution at capture time.
 */
public final class BaseDistribution implements AutoCloseable {

    /** Column of KL(base||ft) in {@link #perPosition}'s result; then KL(ft||base), JS, TV. */
    public static final int KL_BASE_FT = Divergences.KL_PQ;
    /** Column of top-1 agreement in {@link #perPosition}'s result. */
    public static final int TOP1 = Divergences.BINNED_COLUMNS;
    /** Column of the fine-tuned entropy in {@link #perPosition}'s result. */
    public static final int ENTROPY_FT = Divergences.BINNED_COLUMNS + 1;
    /**
     * Column of the sampling variance of the KL(base||ft) estimate in {@link #perPosition}'s result
     * (0 unless the tail is sampled).
     */
    public static final int KL_BASE_FT_VARIANCE = Divergences.BINNED_COLUMNS + 2;
    /** Number of per-position columns. */
    public static final int COLUMNS = Divergences.BINNED_COLUMNS + 3;

    /** Index of the kept logits in a chunk's arrays: {@code [g, T, V]} exact, {@code [g, T, k + m]} sketched. */
    static final int LOGITS = 0;
    /** Index of the float64 log-normalisers {@code [g, T, 1]}. */
    static final int LOG_NORMALIZER = 1;
    /** Index of the argmax {@code [g, T]}. */
    static final int ARGMAX = 2;
    /** Index of the kept classes {@code [g, T, k + m]} (sketched only). */
    static final int INDICES = 3;
    /** Index of the float64 log tail masses {@code [g, T, 1]} (sketched only). */
    static final int LOG_TAIL = 4;

    private static final double LN2 = Math.log(2);
    /**
     * Values per temporary array of an exact comparison ({@code 64 Ki}: 512 KiB in float64, about a
     * core's L2 cache). One example's {@code T x V} values at a time (4 MiB at T = 16 and a 32k
     * vocabulary) made every float64 pass go to memory: 1.3-1.6x slower in ListenerBenchmark's setting.
     */
    static final long BLOCK_ELEMENTS = 1L << 16;
    /**
     * Values per temporary array of a sketched comparison's pass over the vocabulary ({@code 256 Ki}: 2 MiB
     * in float64). That pass has a few operations per value, so larger blocks than {@link #BLOCK_ELEMENTS}
     * save calls. One example's {@code T x V} values at a time (16 MiB at T = 64 and a 32k vocabulary)
     * took 0.24-1.9 s per 1024 positions, depending on the run, where these blocks took 0.19-0.23 s: the
     * C allocator gave large temporaries fresh pages from the operating system, about 13,000 more page
     * faults per 1024 positions.
     */
    static final long SKETCH_BLOCK_ELEMENTS = 1L << 18;
    /** Index, in {@link #vocabularyPass}'s result, of the current log-normalisers. */
    private static final int VOCABULARY_LSE = 2;
    /** A tail sum below this (relative to Q's top class) falls back to a log-sum-exp of its own. */
    private static final double TINY_TAIL = 1e-280;
    /**
     * The smallest tail, as a share of Q's sum {@code S}, taken as {@code S} less the top k's sum: float64
     * sums of 32k values are good to a few 1e-16 of {@code S}, so such a difference is good to ~1e-11 of
     * itself; a smaller tail is summed on its own.
     */
    private static final double CANCELLATION = 0x1p-15;

    private final int topK;
    private final int tailSamples;
    private final int classes;
    private final double temperature;
    private final List<NDList> chunks; // per probe group
    private final double[] entropy;
    /** Whether exact comparisons on the CPU may run on the JVM's vector unit ({@link JvmVectors}). */
    private boolean jvmVectors = true;

    /**
     * Creates a base distribution from its parts (used by the capture and by the cache file).
     *
     * @param topK 0 for exact, else k
     * @param tailSamples m, the sampled tail classes per position (0 for none)
     * @param classes V, the size of the distribution's last axis
     * @param temperature tau
     * @param chunks per probe group: {@code [logits, logNormalizer, argmax]} when exact, {@code [logits,
     *     logNormalizer, argmax, indices, logTail]} when sketched; owned by this object from now on
     * @param entropy per-example base entropy (nats/token)
     */
    public BaseDistribution(int topK, int tailSamples, int classes, double temperature, List<NDList> chunks,
            double[] entropy) {
        this.topK = topK;
        this.tailSamples = topK == 0 ? 0 : tailSamples;
        this.classes = classes;
        this.temperature = temperature;
        this.chunks = List.copyOf(chunks);
        this.entropy = entropy.clone();
    }

    /**
     * How the base is kept when its full logits exceed the memory budget.
     *
     * @param budgetBytes the memory budget for the full logits
     * @param topK k, the most probable classes kept per position
     * @param tailSamples m, the tail classes sampled per position (0: the k + 1-bin lower bound)
     * @param seed seeds the tail samples
     */
    public record Budget(long budgetBytes, int topK, int tailSamples, long seed) {}

    /**
     * Runs the base model over the probe groups and keeps what the measurements need.
     *
     * @param probes the probe groups
     * @param logits computes float32 logits {@code [b, T, V]} of a forward batch, in the manager of its inputs
     * @param owner the manager that will own the kept arrays
     * @param totalPositions {@code N * T}, to decide between exact and sketched
     * @param temperature tau
     * @param budget the memory budget and the sketch's settings
     * @return the base distribution
     * @throws IllegalStateException when the base output has NaN or Inf
     */
    public static BaseDistribution capture(
            List<ProbeGroup> probes,
            Function<ProbeChunk, NDArray> logits,
            NDManager owner,
            long totalPositions,
            double temperature,
            Budget budget) {
        List<NDList> kept = new ArrayList<>();
        List<double[]> entropies = new ArrayList<>();
        int keepTopK = -1;
        int classes = 0;
        for (ProbeGroup chunk : probes) {
            try (NDManager scoped = owner.newSubManager()) {
                chunk.tempAttach(scoped);
                NDArray lg = forward(chunk, logits, scoped).toType(DataType.FLOAT32, false);
                if (lg.isNaN().logicalOr(lg.isInfinite()).any().getBoolean()) {
                    throw new IllegalStateException("the base model's output has NaN or Inf on probe examples "
                            + chunk.offset() + ".." + (chunk.offset() + chunk.size() - 1));
                }
                Shape shape = lg.getShape();
                if (keepTopK < 0) {
                    classes = (int) shape.get(2);
                    boolean fits = totalPositions * classes * 4L <= budget.budgetBytes();
                    keepTopK = fits || budget.topK() + budget.tailSamples() >= classes ? 0 : budget.topK();
                }
                NDList keep;
                NDArray ent;
                if (keepTopK == 0) {
                    NDArray x = scaled(lg, temperature);
                    NDArray lse = Divergences.logSumExp(x);
                    NDArray lp = x.sub(lse);
                    ent = Divergences.entropy(lp, lp.exp()).expandDims(-1);
                    keep = new NDList(lg, lse, lg.argMax(-1));
                } else {
                    long rows = shape.get(0) * shape.get(1);
                    TailSketch s = TailSketch.of(lg.toFloatArray(), classes, temperature, keepTopK,
                            budget.tailSamples(), budget.seed(), (long) chunk.offset() * shape.get(1));
                    int width = keepTopK + budget.tailSamples();
                    Shape kept3 = new Shape(shape.get(0), shape.get(1), width);
                    Shape one = new Shape(shape.get(0), shape.get(1), 1);
                    keep = new NDList(
                            scoped.create(s.logits(), kept3),
                            scoped.create(s.logNormalizer(), one),
                            scoped.create(s.argmax(), new Shape(shape.get(0), shape.get(1))),
                            scoped.create(s.indices(), kept3),
                            scoped.create(s.logTail(), one));
                    keep = keep.toDevice(lg.getDevice(), false);
                    ent = scoped.create(s.entropy(), one).toDevice(lg.getDevice(), false);
                    assert rows == s.entropy().length;
                }
                entropies.add(Divergences.perExample(ent, chunk.mask()).get(0).toType(DataType.FLOAT64, false)
                        .toDoubleArray());
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
        return new BaseDistribution(keepTopK, budget.tailSamples(), classes, temperature, kept, entropy);
    }

    /**
     * The float64 log-normalisers {@code log sum exp(logit / tau)} of some logits, formed operation for
     * operation as the comparison forms the current model's, so that the same logits give the same bits.
     *
     * @param logits float32 logits {@code [..., V]}
     * @param temperature tau
     * @return {@code [...]}, float64
     */
    public static NDArray logNormalizers(NDArray logits, double temperature) {
        return Divergences.logSumExp(scaled(logits, temperature)).squeeze(-1);
    }

    /** {@code logits / tau} in float64: a new array, which the caller may overwrite or close. */
    private static NDArray scaled(NDArray logits, double temperature) {
        NDArray x = logits.toType(DataType.FLOAT64, true);
        return temperature == 1.0 ? x : x.divi(temperature);
    }

    /**
     * Runs the forward batches of a group and concatenates their outputs. Each batch runs in its own
     * scope, so a batch's activations are freed before the next one runs; only the outputs move on to
     * the caller's scope.
     *
     * @param group the group
     * @param forward computes the output {@code [b, T, V]} of one forward batch, in the manager of its inputs
     * @param scoped the caller's scope, which receives the result
     * @return {@code [group size, T, V]}, attached to {@code scoped}
     */
    public static NDArray forward(ProbeGroup group, Function<ProbeChunk, NDArray> forward, NDManager scoped) {
        NDList parts = new NDList(group.batches().size());
        for (ProbeChunk batch : group.batches()) {
            try (NDManager inner = scoped.newSubManager()) {
                inner.tempAttachAll(batch.inputs());
                NDArray out = forward.apply(batch);
                out.attach(scoped);
                parts.add(out);
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    /**
     * Computes the per-position metrics of the current distribution against the base, for the examples
     * {@code [from, to)} of one group, in float64. Run inside a scoped manager: the slices taken here are
     * attached to it, so everything computed is freed with it, while the chunk's own arrays stay.
     *
     * <p>Both sides' log-probabilities are {@code logit / tau - log sum exp(logit / tau)} in float64 from the
     * float32 logits. With a sampled tail, each divergence is an f-divergence {@code sum_v P_v f(Q_v / P_v)}
     * with {@code f(1) = 0}: the top-k classes are summed exactly, and the tail is
     * {@code P_tail * mean_j f(r_j)} over the m classes drawn from the base's tail (r = Q/P), an unbiased
     * importance-sampling estimate. For KL(ft||base) ({@code f = r log r}) the linear part is taken out
     * and added back exactly: {@code P_tail * mean_j (r_j log r_j - r_j + 1) + (Q_tail - P_tail)}, which
     * removes most of the variance of classes whose probability moved. The result is raised to the
     * k + 1-bin lower bound where the sample falls below it.
     *
     * @param chunk the group's index
     * @param logits current float32 logits of the whole group {@code [b, T, V]}
     * @param from first example of the slice, within the group
     * @param to end of the slice, exclusive
     * @param scoped the manager of the slice's temporaries
     * @return {@code [to - from, T, COLUMNS]} in float64: KL(base||ft), KL(ft||base), JS, TV, top-1
     *     agreement, entropy of ft, sampling variance of the KL(base||ft) estimate
     */
    public NDArray perPosition(int chunk, NDArray logits, int from, int to, NDManager scoped) {
        return perPositionAndNormalizers(chunk, logits, from, to, scoped).get(0);
    }

    /**
     * Computes {@link #perPosition} and, with it, the current model's float64 log-normaliser
     * {@code log sum exp(logit / tau)} of every position, which the comparison forms anyway: with it a
     * target's log-probability is one gather ({@link dev.driftwatch.plugin.math.TaskScores}) instead of
     * another pass over the vocabulary.
     *
     * @param chunk the group's index
     * @param logits current float32 logits of the whole group {@code [g, T, V]}
     * @param from first example
     * @param to end, exclusive
     * @param scoped the manager of the temporaries
     * @return {@code [to - from, T, COLUMNS]} as {@link #perPosition}, then the log-normalisers
     *     {@code [to - from, T]}, both float64
     */
    public NDList perPositionAndNormalizers(int chunk, NDArray logits, int from, int to, NDManager scoped) {
        return perPositionAndNormalizers(chunk, logits, from, to, null, scoped);
    }

    /**
     * {@link #perPositionAndNormalizers}, comparing only the positions a mask scores: the others (a
     * language model's prompt and padding, often a third to a half of the positions) cost no pass over the
     * vocabulary, and their rows of both results are 0. The scored rows are the same as without the mask.
     *
     * @param chunk the group's index
     * @param logits current float32 logits of the whole group {@code [g, T, V]}
     * @param from first example
     * @param to end, exclusive
     * @param mask which positions of the examples {@code [from, to)} are scored, {@code [to - from, T]}
     *     (non-zero: scored), or null for all
     * @param scoped the manager of the temporaries
     * @return as {@link #perPositionAndNormalizers}
     */
    public NDList perPositionAndNormalizers(int chunk, NDArray logits, int from, int to, NDArray mask,
            NDManager scoped) {
        return perPositionAndNormalizers(chunk, logits, from, to, mask, scoped, null);
    }

    /**
     * {@link #perPositionAndNormalizers(int, NDArray, int, int, NDArray, NDManager)} with a helper thread: the
     * blocks of positions are shared between the calling thread and the helper ({@link SharedBlocks}), for the
     * same bits. For a helper whose core is free: on the CPU, each thread's operations run on its own core.
     *
     * @param chunk the group's index
     * @param logits current float32 logits of the whole group {@code [g, T, V]}
     * @param from first example
     * @param to end, exclusive
     * @param mask which positions are scored, or null for all
     * @param scoped the manager of the temporaries
     * @param helper runs the helper's share, or null for the calling thread alone
     * @return as {@link #perPositionAndNormalizers(int, NDArray, int, int, NDManager)}
     */
    public NDList perPositionAndNormalizers(int chunk, NDArray logits, int from, int to, NDArray mask,
            NDManager scoped, Executor helper) {
        boolean whole = from == 0 && to == logits.getShape().get(0);
        return compare(chunk, slice(logits, from + ":" + to, whole, scoped), from, to, whole, mask, scoped, helper);
    }

    /**
     * Computes the per-position metrics like {@link #perPosition}, given the current logits of only the
     * examples {@code [from, to)} of a group (e.g. from a forward pass over a few of them).
     *
     * @param chunk the group's index
     * @param logits current float32 logits of those examples {@code [to - from, T, V]}
     * @param from first example, within the group
     * @param to end, exclusive
     * @param scoped the manager of the temporaries
     * @return {@code [to - from, T, COLUMNS]} in float64, as {@link #perPosition}
     */
    public NDArray perPositionOfRows(int chunk, NDArray logits, int from, int to, NDManager scoped) {
        boolean whole = from == 0 && to == chunks.get(chunk).get(LOG_NORMALIZER).getShape().get(0);
        return compare(chunk, logits, from, to, whole, null, scoped, null).get(0);
    }

    /**
     * The comparison of {@link #perPosition}, with the current logits of the examples [from, to) given:
     * over the positions as rows {@code [to - from) * T}, the passes over the vocabulary in blocks of about
     * {@link #BLOCK_ELEMENTS} values, each in a scope of its own, so that every temporary stays in the
     * core's cache, shared with the helper when one is given. A sketch's k + m kept columns are then compared
     * in one piece (per block, they would be many small operations). Returns the per-position metrics and the
     * current log-normalisers, as {@link #perPositionAndNormalizers}. With a mask that leaves positions out, only the scored rows of
     * both sides are compared, and the results are spread back to every position (0 where unscored).
     */
    private NDList compare(int chunk, NDArray current, int from, int to, boolean whole, NDArray mask,
            NDManager scoped, Executor helper) {
        NDList base = chunks.get(chunk);
        String examples = from + ":" + to;
        Shape shape = current.getShape();
        long positions = shape.get(0) * shape.get(1);
        NDArray scored = null;
        NDArray at = null; // the scored positions' indices [k, 1]
        long rows = positions;
        if (mask != null) {
            scored = mask.reshape(positions).neq(0);
            scored.attach(scoped);
            rows = scored.sum().toLongArray()[0];
            if (rows == positions) {
                scored = null;
            } else {
                at = scored.nonzero();
            }
        }
        if (rows == 0) {
            NDArray none = current.getManager().zeros(new Shape(shape.get(0), shape.get(1), COLUMNS),
                    DataType.FLOAT64, current.getDevice());
            none.attach(scoped);
            return new NDList(none, none.get(":, :, 0"));
        }
        // on the JVM's vector unit, the scored rows of the logits over the vocabulary (the current model's, an exact
        // base's) are read where they are; elsewhere they are gathered into copies first
        boolean onJvm = comparesOnJvm(current);
        int[] positionOf = onJvm && scored != null ? positionsOf(at) : null;
        NDList kept = new NDList();
        for (int i = 0; i < base.size(); i++) {
            NDArray a = slice(base.get(i), examples, whole, scoped);
            Shape s = a.getShape();
            a = flat(a, i == ARGMAX ? new Shape(positions) : new Shape(positions, s.get(s.dimension() - 1)), scoped);
            boolean inPlace = positionOf != null && i == LOGITS && topK == 0;
            kept.add(scored == null || inPlace ? a : scoredRows(a, at));
        }
        NDArray logits = flat(current, new Shape(positions, shape.get(2)), scoped);
        if (scored != null && positionOf == null) {
            logits = scoredRows(logits, at);
        }
        NDList together = onJvm ? compareOnJvm(kept, logits, Math.toIntExact(rows), positionOf, helper, scoped)
                : compareInBlocks(kept, logits, rows, helper, scoped);
        NDArray all = topK == 0
                ? Divergences.finish(together.get(0)) // once for all rows: each operation on a block costs a call
                : compareKept(kept, together);
        if (onJvm) {
            // read: the views and copies of the rows made for it go now (the scored rows' copies hold memory)
            kept.close();
            logits.close();
        }
        NDArray lse = together.get(topK == 0 ? 1 : VOCABULARY_LSE).reshape(rows, 1);
        if (scored != null) {
            all = spread(all, scored);
            lse = spread(lse, scored);
        }
        return new NDList(all.reshape(shape.get(0), shape.get(1), COLUMNS), lse.reshape(shape.get(0), shape.get(1)));
    }

    /**
     * The comparison of some rows in PyTorch's operations, in cache-sized blocks shared with the helper.
     *
     * @return the unfinished per-row values (as {@link #compareRows} or {@link #vocabularyPass} gives them), the
     *     blocks' outputs concatenated
     */
    private NDList compareInBlocks(NDList kept, NDArray logits, long rows, Executor helper, NDManager scoped) {
        long block = Math.max(1, (topK == 0 ? BLOCK_ELEMENTS : SKETCH_BLOCK_ELEMENTS) / classes);
        NDArray floor = topK == 0 ? Divergences.minimumFloor(scoped, logits.getDevice()) : null;
        NDArray shared = helper == null ? logits : detached(logits, scoped);
        NDList[] blocks = new NDList[Math.toIntExact((rows + block - 1) / block)];
        SharedBlocks.run(blocks.length, b -> {
            long r = b * block;
            String part = r + ":" + Math.min(rows, r + block);
            try (NDManager inner = scoped.newSubManager()) {
                NDList rowsOfBase = new NDList();
                kept.forEach(a -> rowsOfBase.add(slice(a, part, false, inner)));
                NDArray rowsOfCurrent = slice(shared, part, false, inner);
                NDList out = topK != 0 ? vocabularyPass(rowsOfBase, rowsOfCurrent)
                        : compareRows(rowsOfBase, rowsOfCurrent, floor);
                out.attach(scoped);
                blocks[b] = out;
            }
        }, helper);
        List<NDList> outputs = List.of(blocks);
        NDList together = new NDList();
        for (int i = 0; i < outputs.get(0).size(); i++) {
            int column = i;
            NDList parts = new NDList();
            outputs.forEach(o -> parts.add(o.get(column)));
            together.add(parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0));
        }
        return together;
    }

    /**
     * {@link #compareRows} (an exact base) or {@link #vocabularyPass} (a sketched one) on the JVM's vector unit
     * ({@link JvmVectors}): the same values, to rounding, from the float32 logits read in place (a view of PyTorch's
     * memory, on the CPU), one row at a time into a copy in the Java heap, in blocks of rows shared with the helper.
     * No PyTorch operation runs on the helper.
     *
     * @param kept the base's arrays of the rows compared; an exact base's logits of every position where
     *     {@code positionOf} is given
     * @param logits the current logits of the rows compared, or of every position where {@code positionOf} is given
     * @param positionOf the position of each row compared (the scored ones), or null where they are all the rows
     * @return what {@link #compareInBlocks} gives for the same rows
     */
    private NDList compareOnJvm(NDList kept, NDArray logits, int rows, int[] positionOf, Executor helper,
            NDManager scoped) {
        FloatBuffer current = floats(logits);
        long[] argmax = kept.get(ARGMAX).toLongArray();
        NDList out;
        if (topK == 0) {
            FloatBuffer base = floats(kept.get(LOGITS));
            double[] baseLse = kept.get(LOG_NORMALIZER).toDoubleArray();
            double[] values = new double[rows * COLUMNS];
            double[] lse = new double[rows];
            eachRow(rows, positionOf, current, helper, (buffers, r, p) -> {
                base.get(p * classes, buffers.base, 0, classes);
                lse[r] = JvmVectors.compareRow(buffers.base, baseLse[r], (int) argmax[r], buffers.current, classes,
                        temperature, values, r * COLUMNS, buffers.scratch);
            });
            out = new NDList(scoped.create(values, new Shape(rows, COLUMNS)), scoped.create(lse, new Shape(rows, 1)));
        } else {
            long[] indices = kept.get(INDICES).toLongArray();
            int width = Math.toIntExact(indices.length / Math.max(1, rows));
            VocabularyRows v = new VocabularyRows(rows, width);
            eachRow(rows, positionOf, current, helper,
                    (buffers, r, p) -> vocabularyRow(buffers, (int) argmax[r], indices, r, width, v));
            out = new NDList(scoped.create(v.top1, new Shape(rows)), scoped.create(v.entropy, new Shape(rows)),
                    scoped.create(v.lse, new Shape(rows, 1)), scoped.create(v.kept, new Shape(rows, width)),
                    scoped.create(v.logTail, new Shape(rows, 1)));
        }
        if (rowBuffers.size() > 4) { // threads come and go (a user's pool): keep the two a measurement uses
            rowBuffers.clear();
        }
        return out;
    }

    /** What {@link #eachRow} does with one row, its current logits copied into the thread's buffers. */
    @FunctionalInterface
    private interface RowTask {
        void run(RowBuffers buffers, int row, int position);
    }

    /**
     * Runs a task on each row compared, in blocks of {@link #JVM_BLOCK_ROWS} that the helper may share, with the
     * current logits of the row's position copied into the running thread's buffers first.
     */
    private void eachRow(int rows, int[] positionOf, FloatBuffer current, Executor helper, RowTask task) {
        SharedBlocks.run((rows + JVM_BLOCK_ROWS - 1) / JVM_BLOCK_ROWS, b -> {
            RowBuffers buffers = rowBuffers.computeIfAbsent(Thread.currentThread(), t -> new RowBuffers(classes));
            for (int r = b * JVM_BLOCK_ROWS; r < Math.min(rows, (b + 1) * JVM_BLOCK_ROWS); r++) {
                int p = positionOf == null ? r : positionOf[r];
                current.get(p * classes, buffers.current, 0, classes);
                task.run(buffers, r, p);
            }
        }, helper);
    }

    /** {@link #vocabularyPass}'s values of the rows of {@link #compareOnJvm}, row by row. */
    private static final class VocabularyRows {
        final double[] top1;
        final double[] entropy;
        final double[] lse;
        final double[] kept;
        final double[] logTail;

        VocabularyRows(int rows, int width) {
            top1 = new double[rows];
            entropy = new double[rows];
            lse = new double[rows];
            kept = new double[rows * width];
            logTail = new double[rows];
        }
    }

    /**
     * One row of {@link #vocabularyPass} on the JVM: the exponentials and their sums on the vector unit, then the
     * kept classes and the tail outside the base's top k, as that method forms them (the cancelling and the tiny
     * tail included, for this row alone).
     */
    private void vocabularyRow(RowBuffers buffers, int argmax, long[] indices, int r, int width, VocabularyRows v) {
        float[] x = buffers.current;
        double[] e = buffers.scratch;
        double[] sums = buffers.sums;
        JvmVectors.exponentials(x, classes, temperature, e, sums);
        float max = (float) sums[0];
        if (!(max < Float.POSITIVE_INFINITY)) { // a NaN or +Inf logit: no number of this row means anything
            v.top1[r] = Double.NaN;
            v.entropy[r] = Double.NaN;
            v.lse[r] = Double.NaN;
            Arrays.fill(v.kept, r * width, (r + 1) * width, Double.NaN);
            v.logTail[r] = Double.NaN;
            return;
        }
        double inverse = 1.0 / temperature;
        double sum = sums[1];
        double logSum = Math.log(sum);
        double lseQ = max * inverse + logSum;
        v.top1[r] = x[argmax] >= max ? 1 : 0;
        v.entropy[r] = logSum - sums[2] / sum;
        v.lse[r] = lseQ;
        int at = r * width;
        for (int j = 0; j < width; j++) {
            v.kept[at + j] = x[(int) indices[at + j]] * inverse - lseQ;
        }
        double top = 0;
        for (int j = 0; j < topK; j++) {
            top += e[(int) indices[at + j]];
        }
        double tail = sum - top;
        if (tail < sum * CANCELLATION) { // the top k hold nearly all of Q's mass: the tail summed on its own
            for (int j = 0; j < topK; j++) {
                e[(int) indices[at + j]] = 0;
            }
            tail = 0;
            for (int c = 0; c < classes; c++) {
                tail += e[c];
            }
        }
        if (tail < TINY_TAIL) { // below what exp(x - max) resolves: the log-sum-exp of the logits outside the top k
            boolean[] inTop = new boolean[classes];
            for (int j = 0; j < topK; j++) {
                inTop[(int) indices[at + j]] = true;
            }
            double outsideMax = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                outsideMax = inTop[c] ? outsideMax : Math.max(outsideMax, x[c] * inverse);
            }
            double outside = 0;
            for (int c = 0; c < classes; c++) {
                outside += inTop[c] ? 0 : Math.exp(x[c] * inverse - outsideMax);
            }
            v.logTail[r] = outsideMax + Math.log(outside) - lseQ;
        } else {
            v.logTail[r] = Math.log(tail / sum);
        }
    }

    /**
     * Whether comparisons of these logits run on the JVM's vector unit ({@link JvmVectors}): float32 logits on the
     * CPU, and the vector API available. They then make no temporaries over the vocabulary, so
     * callers need not cut a group into cache-sized slices.
     *
     * @param logits the current model's logits
     * @return true where {@link #compareOnJvm} compares them
     */
    public boolean comparesOnJvm(NDArray logits) {
        return jvmVectors && JvmVectors.available() && logits.getDataType() == DataType.FLOAT32
                && logits.getDevice().getDeviceType().equals(Device.Type.CPU);
    }

    /** Rows a block of {@link #compareOnJvm} holds: each block a piece of work the helper may take. */
    private static final int JVM_BLOCK_ROWS = 16;

    /** The float32 values of an array on the CPU, read in place (a contiguous copy where it is not contiguous). */
    private static FloatBuffer floats(NDArray a) {
        return a.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** Per thread that compares on the JVM, its copies of one row and a row of scratch. */
    private final Map<Thread, RowBuffers> rowBuffers = new ConcurrentHashMap<>();

    /** One thread's copies of a row of the base's and the current logits, a row of scratch and a row's sums. */
    private static final class RowBuffers {
        final float[] base;
        final float[] current;
        final double[] scratch;
        final double[] sums = new double[3];

        RowBuffers(int classes) {
            base = new float[classes];
            current = new float[classes];
            scratch = new double[classes];
        }
    }

    /** The scored positions' indices ({@code [k, 1]}) as an array. */
    private static int[] positionsOf(NDArray at) {
        long[] indices = at.toLongArray();
        int[] out = new int[indices.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(indices[i]);
        }
        return out;
    }

    /**
     * The scored rows of a view made for them, in a copy of their own; the view goes (it holds no memory, but the
     * meter's scratch accounting counts every array in its scopes).
     */
    private static NDArray scoredRows(NDArray view, NDArray at) {
        try (view) {
            return rowsAt(view, at);
        }
    }

    /** The rows {@code at} ({@code [k, 1]} indices) of {@code a} ({@code [n]} or {@code [n, c]}). */
    private static NDArray rowsAt(NDArray a, NDArray at) {
        long k = at.getShape().get(0);
        if (a.getShape().dimension() == 1) {
            return a.gather(at.reshape(k), 0);
        }
        return a.gather(at.broadcast(new Shape(k, a.getShape().get(1))), 0);
    }

    /**
     * The rows of the scored positions {@code [k, c]} spread back to all positions {@code [n, c]}, 0 where
     * {@code scored} is false: a gather from the rows and one row of zeros after them.
     */
    private static NDArray spread(NDArray rows, NDArray scored) {
        long k = rows.getShape().get(0);
        long c = rows.getShape().get(1);
        NDArray padded = rows.concat(rows.getManager().zeros(new Shape(1, c), rows.getDataType(), rows.getDevice()), 0);
        NDArray rank = scored.toType(DataType.INT64, false).cumSum(0).sub(1);
        NDArray source = NDArrays.where(scored, rank, rank.zerosLike().add(k));
        return padded.gather(source.reshape(-1, 1).broadcast(new Shape(scored.getShape().get(0), c)), 0);
    }

    /**
     * The logits as a view that never takes part in an autograd graph: a caller's helper may be a thread of the
     * JVM's own whose autograd mode is on (the meter's helper has it off), where PyTorch records the graph of
     * every operation on an array that requires a gradient.
     */
    private static NDArray detached(NDArray logits, NDManager scoped) {
        NDArray d = logits.stopGradient();
        d.attach(scoped);
        return d;
    }

    /** A reshaped view of {@code a}, attached to the scope (a view of an array the caller keeps). */
    private static NDArray flat(NDArray a, Shape shape, NDManager scoped) {
        NDArray v = a.reshape(shape);
        v.attach(scoped);
        return v;
    }

    /**
     * The per-position metrics of some positions (rows) against the full base distributions. Every
     * operation on {@code [rows, V]} is a full pass over the logits (as costly, on a 32k vocabulary, as the
     * matrix product that produced them), so each is done once and shared: the row maximum of the float32
     * logits serves the normaliser and top-1 agreement, {@code exp(x - max)} the normaliser and Q. Each
     * temporary over the vocabulary is closed, or overwritten in place, as soon as it has served (why: see
     * {@link Divergences}); the in-place steps give the same bits as new arrays would.
     *
     * @param base the base's arrays for these rows, as {@link #chunks} holds them, positions flattened
     * @param current the current float32 logits {@code [rows, V]}
     * @param floor {@link Divergences#minimumFloor}
     * @return {@code [rows, COLUMNS]} with {@link Divergences#full}'s unfinished JS and TV sums, then the
     *     current log-normalisers {@code [rows, 1]}
     */
    private NDList compareRows(NDList base, NDArray current, NDArray floor) {
        NDList maximum = maximumAndAgreement(base, current);
        NDArray max = maximum.get(0);
        NDArray top1 = maximum.get(1);
        NDArray binned;
        NDArray entropyFt;
        NDArray lseQ;
        try (NDArray lq = scaled(current, temperature); NDArray q = exponential(lq, max)) {
            NDArray sum = q.sum(new int[] {-1}, true);
            // as Divergences.logSumExp, operation for operation: an unchanged model gets the base's normaliser
            lseQ = sum.log().add(max);
            q.divi(sum); // Q = e / sum (a division, not a second exp: P = Q is exact through lp - lq, see full)
            lq.subi(lseQ);
            entropyFt = Divergences.entropy(lq, q);
            try (NDArray lp = scaled(base.get(LOGITS), temperature); NDArray p = lp.subi(base.get(LOG_NORMALIZER)).exp()) {
                binned = Divergences.full(lp, p, lq, q, floor);
            }
        }
        return new NDList(
                binned.concat(NDArrays.stack(new NDList(top1, entropyFt, top1.zerosLike()), 1), -1), lseQ);
    }

    /**
     * Keeps comparisons on the CPU off the JVM's vector unit (tests compare both ways).
     *
     * @param use false for PyTorch's operations only
     */
    void useJvmVectors(boolean use) {
        jvmVectors = use;
    }

    /**
     * The row maximum of {@code x = logit / tau} in float64, bit for bit, from the cheaper float32 pass
     * (dividing by tau > 0 keeps the order), and top-1 agreement, which the same maximum serves: on the
     * logits themselves, in the same order as the log-probabilities, without their rounding.
     *
     * @return the maximum {@code [rows, 1]} and top-1 agreement {@code [rows]}, float64
     */
    private NDList maximumAndAgreement(NDList base, NDArray current) {
        NDArray maxCurrent = Divergences.rowMax(current);
        NDArray top1 = Divergences.topAgrees(current, base.get(ARGMAX), maxCurrent).toType(DataType.FLOAT64, false);
        return new NDList(scaled(maxCurrent, temperature), top1);
    }

    /** {@code exp(x - max)}, its one temporary closed. */
    private static NDArray exponential(NDArray x, NDArray max) {
        try (NDArray shifted = x.sub(max)) {
            return shifted.exp();
        }
    }

    /**
     * What a sketched comparison needs from the current model's full distribution of some positions
     * (rows): top-1 agreement, its entropy, its log-normaliser, its log-probabilities of the base's kept
     * classes, and its log tail mass outside the base's top k. The entropy is {@code H(Q) = log S - sum e
     * (x - max) / S} with {@code S = sum e}: no log-probabilities over the vocabulary.
     *
     * @param base the base's arrays for these rows, positions flattened
     * @param current the current float32 logits {@code [rows, V]}
     * @return top-1 agreement {@code [rows]}, entropy {@code [rows]}, log-normalisers {@code [rows, 1]}, kept
     *     log-probabilities {@code [rows, k + m]}, log tail mass {@code [rows, 1]}; float64
     */
    private NDList vocabularyPass(NDList base, NDArray current) {
        NDList maximum = maximumAndAgreement(base, current);
        NDArray max = maximum.get(0);
        NDArray top1 = maximum.get(1);
        NDArray indices = base.get(INDICES);
        // at tau = 1, x - max straight from the float32 logits: the subtraction promotes them to float64 (the
        // same bits as casting first), without a float64 copy of the logits, which costs a pass of its own
        try (NDArray x = temperature == 1.0 ? null : scaled(current, temperature);
                NDArray shifted = x == null ? current.sub(max) : x.sub(max); NDArray e = shifted.exp()) {
            NDArray sum = e.sum(new int[] {-1}, true);
            NDArray lseQ = sum.log().add(max);
            NDArray entropyFt = sum.log().squeeze(-1).sub(Divergences.dot(e, shifted).div(sum.squeeze(-1)));
            NDArray lqKept = (x == null ? current.gather(indices, -1).toType(DataType.FLOAT64, false)
                    : x.gather(indices, -1)).sub(lseQ);
            NDArray logTailQ = logTail(current, e, sum, lseQ, indices.get("..., 0:" + topK));
            return new NDList(top1, entropyFt, lseQ, lqKept, logTailQ);
        }
    }

    /**
     * The per-position metrics of a sketched base, from the base's kept arrays and {@link #vocabularyPass}'s
     * results of the same rows: the k + 1 bins, and with tail samples the estimate over the top k and the
     * sampled tail (see {@link #perPosition}).
     *
     * @return {@code [rows, COLUMNS]}
     */
    private NDArray compareKept(NDList base, NDList current) {
        NDArray top1 = current.get(0);
        NDArray entropyFt = current.get(1);
        NDArray lqKept = current.get(3);
        NDArray logTailQ = current.get(4);
        NDArray logTailP = base.get(LOG_TAIL);
        NDArray lpKept = scaled(base.get(LOGITS), temperature).sub(base.get(LOG_NORMALIZER));
        String top = "..., 0:" + topK;
        NDArray lpTop = lpKept.get(top);
        NDArray lqTop = lqKept.get(top);
        NDArray lpBins = lpTop.concat(logTailP, -1);
        NDArray lqBins = lqTop.concat(logTailQ, -1);
        NDArray binned = Divergences.binned(lpBins, lpBins.exp(), lqBins, lqBins.exp());
        NDArray variance;
        if (tailSamples == 0) {
            variance = top1.zerosLike();
        } else {
            NDList sampled = sampledTail(lpTop, lqTop, logTailP, logTailQ,
                    lpKept.get("..., " + topK + ":"), lqKept.get("..., " + topK + ":"));
            binned = binned.maximum(sampled.get(0)); // the sample can only fall below the bound by chance
            variance = sampled.get(1);
        }
        return binned.concat(NDArrays.stack(new NDList(top1, entropyFt, variance), 1), -1);
    }

    /**
     * Q's log tail mass (the classes outside the base's top k), {@code [..., 1]}: {@code log(sum of e over
     * the tail / S)} with {@code e = exp(x - max)} already computed. The tail's sum is {@code S} less the
     * top k's, a gather of k values per row instead of a pass over the vocabulary; where that difference
     * has lost more than {@link #CANCELLATION} of {@code S} (a row whose top k hold nearly all of Q's mass)
     * the tail is summed on its own. Where even that sum is not a normal float64 (a tail more than ~650 nats
     * below Q's top class) it falls back to a log-sum-exp of the tail with its own maximum, so the tail stays
     * in log space.
     */
    private NDArray logTail(NDArray current, NDArray e, NDArray sum, NDArray lseQ, NDArray topIndices) {
        NDArray tail;
        try (NDArray top = e.gather(topIndices, -1); NDArray topSum = top.sum(new int[] {-1}, true)) {
            tail = sum.sub(topSum);
        }
        if (tail.lt(sum.mul(CANCELLATION)).any().getBoolean()) {
            try (NDArray outsideTop = e.scatter(topIndices, topIndices.zerosLike().toType(e.getDataType(), false),
                    -1)) {
                tail = outsideTop.sum(new int[] {-1}, true);
            }
        }
        if (tail.lt(TINY_TAIL).any().getBoolean()) {
            NDArray x = scaled(current, temperature);
            NDArray outside = x.scatter(topIndices, topIndices.onesLike().toType(x.getDataType(), false)
                    .mul(Double.NEGATIVE_INFINITY), -1);
            return Divergences.logSumExp(outside).sub(lseQ);
        }
        return tail.div(sum).log();
    }

    /**
     * The estimate over the top k (exact) and the sampled tail, and the sampling variance of its
     * KL(base||ft) column.
     */
    private NDList sampledTail(NDArray lpTop, NDArray lqTop, NDArray logTailP, NDArray logTailQ, NDArray lpSampled,
            NDArray lqSampled) {
        int m = tailSamples;
        NDArray exact = Divergences.binned(lpTop, lpTop.exp(), lqTop, lqTop.exp());
        NDArray logW = logTailP.sub(Math.log(m)); // each draw stands for P_tail / m of the base's mass
        NDArray w = logW.exp();
        NDArray lr = lqSampled.sub(lpSampled); // log r = log Q/P at the drawn classes
        NDArray wr = logW.add(lr).exp(); // w r, formed in log space: r alone can overflow
        NDArray linear = logTailQ.exp().sub(logTailP.exp()).squeeze(-1); // Q_tail - P_tail, exact
        // KL(P||Q): f = -log r, used as it is: -log r grows only logarithmically in r, while a linear
        // control (r - 1) would import the full weight of tail classes the fine-tuning pushed up (r ~ 100)
        NDArray klPqTerms = w.mul(lr).neg();
        NDArray klPq = klPqTerms.sum(new int[] {-1});
        // KL(Q||P): f = r log r, f'(1) = 1 -> sum w (r log r - r + 1) + (Q_tail - P_tail)
        NDArray klQp = wr.mul(lr).sub(wr).add(w).sum(new int[] {-1}).add(linear);
        // JS: f = 1/2 [r log(2r / (1 + r)) + log(2 / (1 + r))], f'(1) = 0
        NDArray js = wr.mul(Activation.softPlus(lr.neg()).neg().add(LN2))
                .add(w.mul(Activation.softPlus(lr).neg().add(LN2)))
                .sum(new int[] {-1}).mul(0.5);
        // TV: f = |1 - r| / 2
        NDArray tv = w.sub(wr).abs().sum(new int[] {-1}).mul(0.5);
        int axis = klPq.getShape().dimension();
        NDArray tail = NDArrays.stack(new NDList(klPq, klQp, js, tv), axis);
        // the draws' spread: Var(sum of m draws) ~ m * Var(one draw's term), conservative for systematic draws
        NDArray centred = klPqTerms.sub(klPqTerms.mean(new int[] {-1}, true));
        NDArray variance = centred.square().sum(new int[] {-1}).mul((double) m / (m - 1));
        return new NDList(exact.add(tail), variance);
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
     * Returns how the base is kept: {@code exact}, {@code topk(k)} or {@code topk(k)+tail(m)}.
     *
     * @return the approximation label of the checkpoints
     */
    public String approximation() {
        return topK == 0 ? "exact" : "topk(" + topK + ")" + (tailSamples == 0 ? "" : "+tail(" + tailSamples + ")");
    }

    /**
     * Returns m, the sampled tail classes per position, or 0.
     *
     * @return m or 0
     */
    public int tailSamples() {
        return tailSamples;
    }

    /**
     * Returns the softmax temperature the base was captured at.
     *
     * @return tau
     */
    public double temperature() {
        return temperature;
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
     * Copies what is kept of one probe example's base distributions to the JVM: every class's logit
     * when exact, else the kept classes (top k, most probable first, then the sampled tail), with the
     * float64 log-normalisers of the full distributions.
     *
     * @param chunk the group's index
     * @param row the example's index within the group
     * @return the example's rows
     */
    public LogitRows logitRows(int chunk, int row) {
        NDList kept = chunks.get(chunk);
        int width = (int) kept.get(LOGITS).getShape().get(2);
        try (NDArray logits = kept.get(LOGITS).get(row); NDArray normalizers = kept.get(LOG_NORMALIZER).get(row)) {
            float[] l = logits.toFloatArray();
            double[] n = normalizers.toDoubleArray();
            if (topK == 0) {
                return new LogitRows(l, n, null, width, 0, temperature);
            }
            try (NDArray indices = kept.get(INDICES).get(row)) {
                return new LogitRows(l, n, indices.toLongArray(), width, topK, temperature);
            }
        }
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

    /** Frees the kept arrays. */
    @Override
    public void close() {
        for (NDList l : chunks) {
            l.close();
        }
    }
}
