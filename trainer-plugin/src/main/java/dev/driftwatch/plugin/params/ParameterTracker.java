package dev.driftwatch.plugin.params;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.plugin.probe.Fingerprints;
import java.security.MessageDigest;
import java.util.ArrayList;
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

    /** The last right singular vector estimate per tracked tensor, to warm-start the next power iteration. */
    private final java.util.Map<Integer, NDArray> singularVectors = new java.util.HashMap<>();
    /** This checkpoint's new estimates, kept only for tensors whose update is not zero. */
    private final java.util.Map<Integer, NDArray> pendingVectors = new java.util.HashMap<>();

    /**
     * Copies the block's initialised parameters as the base.
     *
     * @param block the model's block, initialised
     * @param manager the manager that owns the copies (closed by {@link #close()})
     */
    public ParameterTracker(Block block, NDManager manager) {
        this.manager = manager;
        MessageDigest sha = Fingerprints.start("driftwatch-base-parameters/v1");
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter parameter = p.getValue();
            if (!parameter.isInitialized()) {
                continue;
            }
            NDArray current = parameter.getArray();
            NDArray copy = current.duplicate();
            copy.attach(manager);
            byte[] bytes = copy.toByteArray();
            Fingerprints.text(sha, p.getKey());
            Fingerprints.text(sha, copy.getDataType().name() + copy.getShape());
            sha.update(bytes);
            double baseL2 = l2(copy);
            tracked.add(new Tracked(p.getKey(), parameter, isBuffer(parameter), copy, baseL2));
        }
        this.fingerprint = Fingerprints.hex(sha);
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
     * Measures the drift of every tracked tensor.
     *
     * @param stableRankIterations power iterations for the stable rank of 2-D weight updates, 0 for none
     * @return the drift
     */
    public ParameterDrift measure(int stableRankIterations) {
        int n = tracked.size();
        double[] deltaSq;
        double[] sigmaSq = new double[n];
        double[] frobSq = new double[n];
        boolean[] ranked = new boolean[n];
        try (NDManager scoped = manager.newSubManager()) {
            NDList squares = new NDList(n);
            NDList ranks = new NDList();
            for (int i = 0; i < n; i++) {
                Tracked t = tracked.get(i);
                scoped.tempAttachAll(t.base);
                NDArray delta = t.base.sub(t.parameter.getArray()).toType(DataType.FLOAT32, false);
                squares.add(delta.norm());
                if (stableRankIterations > 0 && !t.buffer && t.parameter.requiresGradient()
                        && delta.getShape().dimension() == 2) {
                    ranks.add(largestSingularValue(scoped, delta, stableRankIterations, i));
                    ranked[i] = true;
                }
            }
            deltaSq = toDoubles(NDArrays.stack(squares));
            for (int i = 0; i < n; i++) {
                deltaSq[i] *= deltaSq[i];
            }
            if (!ranks.isEmpty()) {
                double[] s = toDoubles(NDArrays.stack(ranks));
                int j = 0;
                for (int i = 0; i < n; i++) {
                    if (ranked[i]) {
                        sigmaSq[i] = s[j] * s[j];
                        j++;
                    }
                }
            }
            keepSingularVectors(sigmaSq);
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
                // ||dW||_F^2 / ||dW||_2^2 >= 1; power iteration approaches sigma_max from below.
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
        return new ParameterDrift(total, trainable, fraction, global, tensors);
    }

    /**
     * Power iteration on {@code dW^T dW}, warm-started from the previous checkpoint's vector (updates
     * change slowly between checkpoints, so a few iterations suffice); the first start is a fixed
     * pseudo-random vector seeded by the tensor index (never the engine's RNG, which training uses)
     * and gets five times the iterations. Returns {@code ||dW v||}, the largest singular value estimate.
     */
    private NDArray largestSingularValue(NDManager scoped, NDArray delta, int iterations, int index) {
        int cols = (int) delta.getShape().get(1);
        NDArray previous = singularVectors.get(index);
        NDArray v;
        int rounds = iterations;
        if (previous == null) {
            SplittableRandom random = new SplittableRandom(0x5EED + index);
            float[] start = new float[cols];
            for (int j = 0; j < cols; j++) {
                start[j] = (float) (random.nextDouble() - 0.5);
            }
            v = scoped.create(start, new Shape(cols, 1)).toDevice(delta.getDevice(), false);
            rounds = 5 * iterations;
        } else {
            v = previous;
        }
        NDArray transposed = delta.transpose();
        for (int it = 0; it < rounds; it++) {
            NDArray w = transposed.matMul(delta.matMul(v)); // results belong to delta's (scoped) manager
            v = w.div(w.norm()); // a zero w gives NaN, and the estimate tells keepSingularVectors to drop v
        }
        pendingVectors.put(index, v);
        return delta.matMul(v).norm(); // squared on the JVM
    }

    /**
     * Keeps the new vector estimates whose singular value estimate is positive and finite; any other
     * (a zero update, or a start orthogonal to it) is a dead start, so the next checkpoint starts afresh.
     */
    private void keepSingularVectors(double[] sigmaSq) {
        pendingVectors.forEach((index, v) -> {
            NDArray previous = singularVectors.remove(index);
            if (sigmaSq[index] > 0 && Double.isFinite(sigmaSq[index])) {
                v.attach(manager);
                singularVectors.put(index, v);
            }
            if (previous != null && previous != v) {
                previous.close();
            }
        });
        pendingVectors.clear();
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
        singularVectors.values().forEach(NDArray::close);
        singularVectors.clear();
    }
}
