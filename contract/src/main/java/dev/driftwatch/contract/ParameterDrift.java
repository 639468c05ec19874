package dev.driftwatch.contract;

import java.util.List;

/**
 * Parameter drift of a whole model at a checkpoint.
 *
 * @param totalParameters number of parameter elements, buffers excluded
 * @param trainableParameters number of trainable parameter elements
 * @param trainableFraction {@code trainableParameters / totalParameters}
 * @param globalRelativeL2 {@code ||theta - theta0|| / ||theta0||} over all trainable weights
 * @param tensors per-tensor drift, weights and buffers
 */
public record ParameterDrift(
        long totalParameters,
        long trainableParameters,
        double trainableFraction,
        double globalRelativeL2,
        List<TensorDrift> tensors) {

    /** Copies the list so the record stays immutable. */
    public ParameterDrift {
        tensors = List.copyOf(tensors);
    }
}
