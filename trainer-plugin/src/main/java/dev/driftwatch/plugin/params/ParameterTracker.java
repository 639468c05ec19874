package dev.driftwatch.plugin.params;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.plugin.probe.Fingerprints;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Keeps a copy of the base parameters (theta0) on the device and measures how far the current
 * parameters have moved from it.
 *
 * <p>Weights and buffers are told apart by the parameter type (BatchNorm's running mean and variance
 * are buffers: the optimiser never touches them, the forward pass does); trainable and frozen by
 * {@link Parameter#requiresGradient()} at measurement time, since {@code PtModel.newTrainer} unfreezes
 * parameters and freezing happens after it. The norms are computed on the device and pulled to the
 * JVM in one transfer per checkpoint.
 */
public final class ParameterTracker implements AutoCloseable {

    private final NDManager manager;
    private final List<Tracked> tracked = new ArrayList<>();
    private final String fingerprint;

    private record Tracked(String name, Parameter parameter, boolean buffer, NDArray base, double baseL2) {}

    /** Vectors per block of the stable rank's Krylov space. */
    static final int BLOCK = 8;
    /** Values per float32 partial norm of {@link #squaredNorm}. */
    private static final long NORM_ROW = 4096;
    /** Per device, the buffer {@link #delta} writes each tensor's update into; {@link #largest} values. */
    private final java.util.Map<String, NDArray> scratch = new java.util.HashMap<>();
    /** The number of values of the largest tracked tensor. */
    private final long largest;
    /** The last right singular subspace estimate per tracked tensor, to warm-start the next iteration. */
    private final java.util.Map<Integer, double[]> singularVectors = new java.util.HashMap<>();

    /**
     * Copies the block's initialised parameters as the base.
     *
     * @param block the model's block, initialised
     * @param manager the manager that owns the copies (closed by {@link #close()})
     */
    public ParameterTracker(Block block, NDManager manager) {
        this.manager = manager;
        MessageDigest sha = Fingerprints.start("driftwatch-base-parameters/v1");
        java.util.Set<String> wireNames = new java.util.HashSet<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter parameter = p.getValue();
            if (!parameter.isInitialized()) {
                continue;
            }
            NDArray current = parameter.getArray();
            // a copy that requires no gradient, whatever the thread's autograd mode (see delta)
            NDArray detached = current.stopGradient();
            NDArray copy;
            try {
                copy = detached.duplicate();
            } finally {
                if (detached != current) {
                    detached.close();
                }
            }
            copy.attach(manager);
            byte[] bytes = copy.toByteArray();
            Fingerprints.text(sha, p.getKey());
            Fingerprints.text(sha, copy.getDataType().name() + copy.getShape());
            sha.update(bytes);
            double baseL2 = l2(copy);
            tracked.add(new Tracked(wireName(p.getKey(), wireNames), parameter, isBuffer(parameter), copy, baseL2));
        }
        this.fingerprint = Fingerprints.hex(sha);
        this.largest = tracked.stream().mapToLong(t -> t.base.size()).max().orElse(1);
    }

    /**
     * A tensor's name as the service takes it: at most {@link TensorDrift#MAX_NAME_LENGTH} characters. A longer
     * one (blocks nested deeply) keeps its end, where the name differs from its neighbours, behind {@code …};
     * should two ends still be the same, the later one is {@code …2…}, {@code …3…} and so on.
     *
     * @param name the parameter's name in the block
     * @param used the names given so far, to which this one is added
     * @return the name to send
     */
    static String wireName(String name, java.util.Set<String> used) {
        int max = TensorDrift.MAX_NAME_LENGTH;
        if (name.length() <= max) {
            used.add(name);
            return name;
        }
        String cut = "…" + name.substring(name.length() - (max - 1));
        for (int k = 2; !used.add(cut); k++) {
            String tag = "…" + k + "…";
            cut = tag + name.substring(name.length() - (max - tag.length()));
        }
        return cut;
    }

    /**
     * Tells whether a parameter is a buffer (state the forward pass updates, not the optimiser).
     *
     * @param parameter the parameter
     * @return true for BatchNorm running statistics
     */
    public static boolean isBuffer(Parameter parameter) {
        return parameter.getType() == Parameter.Type.RUNNING_MEAN || parameter.getType() == Parameter.Type.RUNNING_VAR;
    }

    /**
     * Returns the SHA-256 (lower-case hex) of the base parameters: names, types, shapes and bytes.
     *
     * @return 64 hex characters
     */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * Returns the number of weight elements (buffers excluded).
     *
     * @return the total parameter count
     */
    public long totalParameters() {
        return tracked.stream().filter(t -> !t.buffer).mapToLong(t -> t.base.size()).sum();
    }

    /**
     * Returns the number of weight elements the optimiser updates now.
     *
     * @return the trainable parameter count
     */
    public long trainableParameters() {
        return tracked.stream()
                .filter(t -> !t.buffer && t.parameter.requiresGradient())
                .mapToLong(t -> t.base.size())
                .sum();
    }

    /**
     * Measures the drift of every tracked tensor, on a thread whose autograd mode may be on.
     *
     * @param stableRankIterations power iterations for the stable rank of 2-D weight updates, 0 for none
     * @return the drift
     */
    public ParameterDrift measure(int stableRankIterations) {
        return measure(stableRankIterations, false);
    }

    /**
     * Measures the drift of every tracked tensor.
     *
     * @param stableRankIterations power iterations for the stable rank of 2-D weight updates, 0 for none
     * @param autogradOff whether the calling thread's autograd mode is off for sure (a thread that turned it
     *     off): then no array is made from a weight, so that the measurement can run beside a forward on
     *     another thread (see {@link #delta})
     * @return the drift
     */
    public ParameterDrift measure(int stableRankIterations, boolean autogradOff) {
        int n = tracked.size();
        double[] deltaSq;
        double[] sigmaSq = new double[n];
        double[] frobSq = new double[n];
        boolean[] ranked = new boolean[n];
        try (NDManager scoped = manager.newSubManager()) {
            NDList squares = new NDList(n);
            for (Tracked t : tracked) {
                scratchOn(t.parameter.getArray().getDevice());
            }
            scoped.tempAttachAll(scratch.values().toArray(new NDArray[0])); // once: a second time would keep them
            for (int i = 0; i < n; i++) {
                Tracked t = tracked.get(i);
                scoped.tempAttachAll(t.base);
                NDArray delta = delta(t, autogradOff);
                squares.add(squaredNorm(delta));
                if (stableRankIterations > 0 && !t.buffer && t.parameter.requiresGradient()
                        && delta.getShape().dimension() == 2) {
                    try (NDManager inner = scoped.newSubManager()) {
                        inner.tempAttachAll(delta);
                        sigmaSq[i] = largestSquaredSingularValue(inner, delta, stableRankIterations, i);
                    }
                    ranked[i] = true;
                }
            }
            deltaSq = NDArrays.stack(squares).toDoubleArray();
        }
        List<TensorDrift> tensors = new ArrayList<>(n);
        double trainableDeltaSq = 0;
        double trainableBaseSq = 0;
        long total = 0;
        long trainable = 0;
        for (int i = 0; i < n; i++) {
            Tracked t = tracked.get(i);
            boolean isTrainable = !t.buffer && t.parameter.requiresGradient();
            double deltaL2 = Math.sqrt(Math.max(0, deltaSq[i]));
            frobSq[i] = deltaSq[i];
            Double stableRank = null;
            if (ranked[i] && sigmaSq[i] > 0 && frobSq[i] > 0) {
                // ||dW||_F^2 / ||dW||_2^2 >= 1; the Ritz value approaches sigma_max^2 from below.
                stableRank = Math.max(1.0, frobSq[i] / sigmaSq[i]);
            }
            tensors.add(new TensorDrift(t.name, isTrainable, t.buffer, t.base.size(), deltaL2, t.baseL2,
                    relative(deltaL2, t.baseL2), stableRank));
            if (!t.buffer) {
                total += t.base.size();
                if (isTrainable) {
                    trainable += t.base.size();
                    trainableDeltaSq += deltaSq[i];
                    trainableBaseSq += t.baseL2 * t.baseL2;
                }
            }
        }
        double fraction = total == 0 ? 0 : (double) trainable / total;
        double global = relative(Math.sqrt(trainableDeltaSq), Math.sqrt(trainableBaseSq));
        return new ParameterDrift(total, trainable, fraction, global, mostChanged(tensors, CheckpointReport.DEFAULT_MAX_TENSORS));
    }

    /**
     * At most {@code max} tensors, as the service takes them ({@link CheckpointReport#DEFAULT_MAX_TENSORS}): the
     * ones whose relative change is largest, in the model's order. The totals and the global drift stay those of
     * every tensor.
     */
    static List<TensorDrift> mostChanged(List<TensorDrift> tensors, int max) {
        if (tensors.size() <= max) {
            return tensors;
        }
        Integer[] order = new Integer[tensors.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(tensors.get(b).relative(), tensors.get(a).relative()));
        boolean[] kept = new boolean[order.length];
        for (int k = 0; k < max; k++) {
            kept[order[k]] = true;
        }
        List<TensorDrift> out = new ArrayList<>(max);
        for (int i = 0; i < kept.length; i++) {
            if (kept[i]) {
                out.add(tensors.get(i));
            }
        }
        return out;
    }

    /**
     * {@code current - base} of one tensor in float32, written into the scratch buffer of its device (a
     * view of it, in the scope the buffer is attached to) instead of a new array. A new array per
     * tensor and checkpoint is fresh memory every time (glibc maps allocations of 32 MiB and more anew,
     * and often smaller ones once it trims its heap), and touching it costs a page fault per 4 KiB: on
     * the 2-core machine of ListenerBenchmark, in the runs where glibc trimmed, up to 10,000 faults and
     * ~100 ms per checkpoint of a 10M-parameter model whose forward took 120 ms, against ~5 ms for the
     * arithmetic. The buffer is as large as the largest tracked tensor and is kept until
     * {@link #close()} (what a caching allocator, such as PyTorch's on CUDA, keeps anyway).
     */
    private NDArray delta(Tracked t, boolean autogradOff) {
        NDArray current = t.parameter.getArray();
        NDArray buffer = scratchOn(current.getDevice());
        NDArray view = buffer.get(new NDIndex("0:" + current.size())).reshape(current.getShape());
        if (autogradOff) {
            // the copy (and the cast to float32) into the buffer, without any array made from the weight: DJL puts
            // an operation's result in the manager of its first operand, and a block beside this (DJL's
            // IdEmbedding) moves its weight into a scope of its own during its forward, which frees that result
            // when it ends (a JVM crash in PyTorch's copy_, see HelperThread)
            view.set(new NDIndex("..."), current);
            return view.subi(t.base);
        }
        // Detached first where autograd may be on (a thread PyTorch did not set up, or a forward inside a
        // gradient collector): the copy of a weight that requires a gradient made the buffer part of an autograd
        // graph that grew with every checkpoint, until freeing it overflowed the stack (a crash after ~500
        // checkpoints). The parameter's own manager would keep the detached view: closed here, not left to it.
        NDArray detached = current.stopGradient();
        try {
            view.set(new NDIndex("..."), detached);
        } finally {
            if (detached != current) {
                detached.close();
            }
        }
        return view.subi(t.base);
    }

    /**
     * {@code ||delta||^2} as a float64 scalar: the norms of rows of {@link #NORM_ROW} values in float32
     * (the device's reduction), their squares summed in float64. One float32 norm over a whole tensor
     * accumulates the rounding of millions of additions: 2.6e-4 relative at a 32,000 x 256 head.
     */
    private static NDArray squaredNorm(NDArray delta) {
        NDArray flat = delta.reshape(-1);
        long size = flat.size();
        long whole = size / NORM_ROW * NORM_ROW;
        NDArray sum = null;
        if (whole > 0) {
            NDArray rows = (whole == size ? flat : flat.get("0:" + whole)).reshape(-1, NORM_ROW);
            sum = rows.norm(new int[] {1}).toType(DataType.FLOAT64, false).square().sum();
        }
        if (whole < size) {
            NDArray rest = flat.get(whole + ":").norm().toType(DataType.FLOAT64, false).square();
            sum = sum == null ? rest : sum.add(rest);
        }
        return sum;
    }

    /** The scratch buffer on a device, made at first use (in the tracker's own manager). */
    private NDArray scratchOn(ai.djl.Device device) {
        return scratch.computeIfAbsent(device.toString(),
                d -> manager.zeros(new Shape(largest), DataType.FLOAT32, device));
    }

    /**
     * The largest squared singular value of {@code dW}: the largest Ritz value of {@code M = dW^T dW} over
     * a block Krylov space {@code span[V, MV, ..., M^q V]} of a block V of {@link #BLOCK} vectors, q the
     * iterations. The Ritz values of an orthonormal basis Q are the eigenvalues of
     * {@code Q^T M Q = (dW Q)^T (dW Q)}, and {@code dW Q} is the products that built the space, so a Ritz
     * value over all of it costs no product more than one over its last block (subspace iteration): 2q + 1
     * products with dW. Over the whole space it is at least as large, and it converges much faster where
     * the leading singular values are close, as in random-like updates (subspace iteration from the same
     * products overstated their stable rank by 2-3.5% at q = 1). A Ritz value approaches
     * {@code sigma_1^2} from below, so the stable rank is approached from above.
     *
     * <p>The products run on the device, as {@code V^T dW^T} and {@code (dW V)^T dW}: the block is the
     * small left factor (on the CPU engine, a thin block on the right of a large matrix took 1.5-2x as
     * long). The basis is orthonormalised on the JVM in double, one vector per row (contiguous). The first start is a fixed pseudo-random
     * block seeded by the tensor index (never the engine's RNG, which training uses), with a space five
     * times as deep (as many products as 5q iterations); later checkpoints start from the previous checkpoint's leading
     * Ritz vectors, since updates change slowly. A matrix with at most {@code (q + 1) BLOCK} columns is
     * done exactly: its whole Gram matrix.
     */
    private double largestSquaredSingularValue(NDManager scoped, NDArray delta, int iterations, int index) {
        int cols = (int) delta.getShape().get(1);
        NDArray deltaT = delta.transpose();
        if (cols <= (iterations + 1) * BLOCK) {
            double largest = Subspace.eigen(toDoubles(deltaT.matMul(delta)), cols).values()[0];
            return Double.isFinite(largest) ? largest : 0;
        }
        double[] start = singularVectors.remove(index); // (put back below: a zero or non-finite update starts afresh)
        int depth = iterations;
        if (start == null) {
            SplittableRandom random = new SplittableRandom(0x5EED + index);
            start = new double[BLOCK * cols];
            for (int j = 0; j < start.length; j++) {
                start[j] = random.nextDouble() - 0.5;
            }
            depth = Math.min(5 * iterations, cols / BLOCK - 1); // (at least q: cols > (q + 1) BLOCK)
        }
        int width = (depth + 1) * BLOCK;
        // the basis, one vector per row: the Krylov blocks V, MV, ... one after the other
        double[] basis = Arrays.copyOf(start, width * cols);
        NDList images = new NDList(depth + 1); // (dW Q)^T, block by block
        for (int j = 0; ; j++) {
            if (!Subspace.orthonormalize(basis, (j + 1) * BLOCK, cols, j * BLOCK)) {
                return 0;
            }
            NDArray v = toDevice(scoped, Arrays.copyOfRange(basis, j * BLOCK * cols, (j + 1) * BLOCK * cols), cols,
                    delta);
            NDArray yt = v.matMul(deltaT); // (dW V)^T
            images.add(yt);
            if (j == depth) {
                break;
            }
            double[] next = toDoubles(yt.matMul(delta)); // (M V)^T
            System.arraycopy(next, 0, basis, (j + 1) * BLOCK * cols, BLOCK * cols);
        }
        NDArray y = NDArrays.concat(images, 0); // [width, rows]
        Subspace.Eigen ritz = Subspace.eigen(toDoubles(y.matMul(y.transpose())), width);
        // the leading Ritz vectors, W^T Q, start the next checkpoint
        double[] next = new double[BLOCK * cols];
        for (int c = 0; c < BLOCK; c++) {
            for (int k = 0; k < width; k++) {
                double w = ritz.vectors()[k * width + c];
                for (int i = 0; i < cols; i++) {
                    next[c * cols + i] += w * basis[k * cols + i];
                }
            }
        }
        singularVectors.put(index, next);
        return ritz.values()[0];
    }

    /** Row-major {@code [rows, cols]} values as a float32 array on {@code like}'s device. */
    private static NDArray toDevice(NDManager scoped, double[] values, int cols, NDArray like) {
        float[] f = new float[values.length];
        for (int j = 0; j < f.length; j++) {
            f[j] = (float) values[j];
        }
        return scoped.create(f, new Shape(values.length / cols, cols)).toDevice(like.getDevice(), false);
    }

    /** delta / base; a tensor that starts at zero (a zero-initialised bias) is measured against a unit norm. */
    private static double relative(double delta, double base) {
        return base > 0 ? delta / base : delta;
    }

    private static double l2(NDArray a) {
        try (NDArray sq = a.toType(DataType.FLOAT64, true)) {
            try (NDArray s = sq.square(); NDArray sum = s.sum()) {
                return Math.sqrt(sum.getDouble());
            }
        }
    }

    private static double[] toDoubles(NDArray a) {
        float[] f = a.toType(DataType.FLOAT32, false).toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Frees the base copies. */
    @Override
    public void close() {
        tracked.forEach(t -> t.base.close());
        scratch.values().forEach(NDArray::close);
        scratch.clear();
        singularVectors.clear();
    }
}
