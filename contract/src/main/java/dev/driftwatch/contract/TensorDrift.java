package dev.driftwatch.contract;

/**
 * How far one parameter tensor has moved from its base value.
 *
 * @param name the parameter's path in the block tree
 * @param trainable whether the optimiser updates it
 * @param buffer whether it is a buffer (e.g. BatchNorm running statistics) rather than a weight
 * @param size number of elements
 * @param deltaL2 {@code ||theta - theta0||_2}
 * @param baseL2 {@code ||theta0||_2}
 * @param relative {@code deltaL2 / baseL2} (0 when both are 0)
 * @param stableRank stable rank {@code ||dW||_F^2 / ||dW||_2^2} of a 2-D update, or null when not computed
 */
public record TensorDrift(
        String name,
        boolean trainable,
        boolean buffer,
        long size,
        double deltaL2,
        double baseL2,
        double relative,
        Double stableRank) {

    /** The longest tensor name, in characters; the service refuses longer ones. */
    public static final int MAX_NAME_LENGTH = 512;
}
