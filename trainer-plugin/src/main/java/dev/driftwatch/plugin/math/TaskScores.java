package dev.driftwatch.plugin.math;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Task loss and accuracy of a model on probe examples that carry targets (class labels, or next
 * tokens under a mask): per example, the mean over its scored positions of {@code -log q(target)}
 * (nats/token, at the measurement's temperature) and of {@code [argmax q == target]}.
 *
 * <p>The per-position work needs only the target's log-probability and the argmax; both paths (JVM
 * arrays and NDArrays) reduce to those and share {@link #finish}, so they cannot disagree. On the
 * NDArray path the target's log-probability is {@code logit / tau - log-normaliser} in float64, with
 * the normaliser the divergences have already formed: no pass over the vocabulary of its own.
 */
public final class TaskScores {

    private final long[] targets;
    private final float[] mask;
    private final int positions;

    /**
     * Creates the scorer of a probe set.
     *
     * @param targets row-major {@code [N, T]} targets
     * @param mask row-major {@code [N, T]} mask of scored positions, or null when every position is scored
     * @param positions T
     */
    public TaskScores(long[] targets, float[] mask, int positions) {
        this.targets = targets.clone();
        this.mask = mask == null ? null : mask.clone();
        this.positions = positions;
    }

    /**
     * Checks that every scored target is a valid class of a model output.
     *
     * @param classes V
     * @throws IllegalStateException naming the first example whose target is out of range
     */
    public void checkClasses(long classes) {
        for (int k = 0; k < targets.length; k++) {
            if (scored(k) && targets[k] >= classes) {
                throw new IllegalStateException("probe example " + k / positions + " has target " + targets[k]
                        + " at position " + k % positions + ", the model has " + classes + " classes");
            }
        }
    }

    /**
     * Scores examples from log-probabilities held on the JVM.
     *
     * @param logProbs row-major {@code [count, T, V]}
     * @param classes V
     * @param offset index of the first example in the probe set
     * @param count number of examples
     * @param loss receives the per-example loss at {@code offset + j}
     * @param accuracy receives the per-example accuracy at {@code offset + j}
     */
    public void score(float[] logProbs, int classes, int offset, int count, double[] loss, double[] accuracy) {
        int n = count * positions;
        double[] picked = new double[n];
        long[] argmax = new long[n];
        for (int k = 0; k < n; k++) {
            int row = k * classes;
            int best = 0;
            for (int v = 1; v < classes; v++) {
                if (logProbs[row + v] > logProbs[row + best]) {
                    best = v;
                }
            }
            argmax[k] = best;
            picked[k] = logProbs[row + (int) clamp(targets[offset * positions + k], classes)];
        }
        finish(picked, argmax, offset, count, loss, accuracy);
    }

    /**
     * Scores examples from their logits on a device and the float64 log-normalisers of their positions:
     * only the targets' log-probabilities and the argmax are copied to the JVM. Temporaries are attached
     * to {@code scoped}.
     *
     * @param logits float32 logits {@code [count, T, V]}
     * @param logNormalizers float64 {@code log sum exp(logit / tau)} per position {@code [count, T]}
     * @param temperature tau
     * @param offset index of the first example in the probe set
     * @param scoped the manager of the temporaries
     * @param loss receives the per-example loss at {@code offset + j}
     * @param accuracy receives the per-example accuracy at {@code offset + j}
     */
    public void score(NDArray logits, NDArray logNormalizers, double temperature, int offset, NDManager scoped,
            double[] loss, double[] accuracy) {
        int count = (int) logits.getShape().get(0);
        long classes = logits.getShape().get(2);
        long[] index = new long[count * positions];
        for (int k = 0; k < index.length; k++) {
            index[k] = clamp(targets[offset * positions + k], classes);
        }
        NDArray at = scoped.create(index, new Shape(count, positions, 1)).toDevice(logits.getDevice(), false);
        NDArray target = logits.gather(at, 2).squeeze(2).toType(DataType.FLOAT64, false);
        if (temperature != 1.0) {
            target = target.div(temperature);
        }
        double[] picked = target.sub(logNormalizers).toDoubleArray();
        // the order of logit / tau is the logits' order: the argmax needs no log-probabilities
        long[] argmax = logits.argMax(-1).toLongArray();
        finish(picked, argmax, offset, count, loss, accuracy);
    }

    /** Masked means over positions of -log q(target) and of argmax == target. */
    private void finish(double[] picked, long[] argmax, int offset, int count, double[] loss, double[] accuracy) {
        for (int j = 0; j < count; j++) {
            double nll = 0;
            double hits = 0;
            double weight = 0;
            for (int t = 0; t < positions; t++) {
                int g = (offset + j) * positions + t;
                if (!scored(g)) {
                    continue;
                }
                int k = j * positions + t;
                nll -= picked[k];
                hits += argmax[k] == targets[g] ? 1 : 0;
                weight++;
            }
            loss[offset + j] = nll / weight;
            accuracy[offset + j] = hits / weight;
        }
    }

    private boolean scored(int k) {
        return mask == null || mask[k] != 0;
    }

    /** Unscored positions may hold any target (padding); keep the index in range. */
    private static long clamp(long target, long classes) {
        return Math.max(0, Math.min(classes - 1, target));
    }
}
