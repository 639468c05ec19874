package dev.driftwatch.examples.demo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Numbers inside a training graph, as arrays PyTorch owns.
 *
 * <p>DJL's {@code array.mul(2f)} (and {@code div}, {@code pow}... with a number) wraps the number in an
 * array over a Java direct buffer and closes that array right after the operation. Autograd keeps it for
 * the backward pass, but the buffer is the JVM's: once a garbage collection frees it, the backward pass
 * reads freed memory. Gradients then silently change, or become NaN — at random, depending on when the
 * JVM collects (seen on DJL 0.36 with PyTorch 2.7.1; {@code GarbageCollectionTest} reproduces it).
 * {@code array.mul(GraphScalars.of(array, 2f))} multiplies by an array whose memory PyTorch owns and
 * frees only when autograd is done with it.
 */
public final class GraphScalars {

    private GraphScalars() {}

    /**
     * A scalar array of the same type, device and manager as {@code like}, with PyTorch-owned memory.
     *
     * @param like the array the scalar will be combined with
     * @param value the number
     * @return the scalar array; it lives as long as {@code like}'s manager (and autograd, if it keeps it)
     */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType());
    }
}
