package dev.driftwatch.plugin.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.Metric;
import java.util.Map;

/**
 * The accuracy docs/metrics.md promises for the divergences, as the accuracy tests assert it: within 1e-3
 * relative of the float64 reference, or 1e-8 nats absolute where the reference is below 1e-5.
 */
public final class Accuracy {

    /** Relative error allowed. */
    public static final double RELATIVE = 1e-3;
    /** Absolute error allowed where the reference is below 1e-5. */
    public static final double ABSOLUTE_BELOW_1E_5 = 1e-8;

    /** The checkpoint metrics compared with the reference, and the {@link ReferenceDivergences} column of each. */
    public static final Map<Metric, Integer> REFERENCE_COLUMNS = Map.of(
            Metric.KL_BASE_FT, ReferenceDivergences.KL_PQ,
            Metric.KL_FT_BASE, ReferenceDivergences.KL_QP,
            Metric.JS, ReferenceDivergences.JS,
            Metric.TV, ReferenceDivergences.TV,
            Metric.ENTROPY_BASE, ReferenceDivergences.ENTROPY_P,
            Metric.ENTROPY_FT, ReferenceDivergences.ENTROPY_Q);

    private Accuracy() {}

    /**
     * Asserts one value within {@link #RELATIVE}, or {@link #ABSOLUTE_BELOW_1E_5} where the reference is below 1e-5.
     *
     * @param what what the value is, for the message
     * @param actual the measured value
     * @param expected the reference
     * @return the error as a fraction of the allowed error
     */
    public static double check(String what, double actual, double expected) {
        return check(what, actual, expected, RELATIVE);
    }

    /**
     * Asserts one value within {@code relative}, or {@link #ABSOLUTE_BELOW_1E_5} where the reference is below 1e-5.
     *
     * @param what what the value is, for the message
     * @param actual the measured value
     * @param expected the reference
     * @param relative the relative error allowed
     * @return the error as a fraction of the allowed error
     */
    public static double check(String what, double actual, double expected, double relative) {
        double allowed = Math.abs(expected) < 1e-5 ? ABSOLUTE_BELOW_1E_5 : relative * Math.abs(expected);
        double error = Math.abs(actual - expected);
        assertThat(error).as("%s: %s vs reference %s", what, actual, expected).isLessThanOrEqualTo(allowed);
        return error / allowed;
    }
}
