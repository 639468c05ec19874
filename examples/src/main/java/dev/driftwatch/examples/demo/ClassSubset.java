package dev.driftwatch.examples.demo;

import ai.djl.ndarray.NDArray;
import java.util.Set;

/**
 * A subset of a classifier's classes, applied to logits by masking the other classes out, so that a
 * softmax (or an argmax) only chooses among the subset.
 */
final class ClassSubset {

    /** Added to masked-out logits; large enough that their softmax weight underflows to 0. */
    private static final float MASKED = -1e4f;

    private final float[] mask;

    /**
     * Creates the subset.
     *
     * @param classes the number of classes
     * @param kept the classes to keep
     */
    ClassSubset(int classes, Set<Integer> kept) {
        mask = new float[classes];
        for (int c = 0; c < classes; c++) {
            mask[c] = kept.contains(c) ? 0 : MASKED;
        }
    }

    /**
     * Masks the other classes out.
     *
     * @param logits {@code [batch, classes]}
     * @return logits where the other classes are practically minus infinity
     */
    NDArray restrict(NDArray logits) {
        return logits.add(logits.getManager().create(mask));
    }
}
