package dev.driftwatch.plugin.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.DoubleVector;
import org.junit.jupiter.api.Test;

/**
 * The vector path's own exp and log against the JDK's {@link StrictMath} (fdlibm, correctly rounded to within
 * 1 ulp), over the ranges the comparison feeds them: every result within 2 ulp of it.
 */
class VectorDivergencesTest {

    private static final int LANES = DoubleVector.SPECIES_PREFERRED.length();

    @Test
    void expIsWithinTwoUlpOfStrictMathWhereTheComparisonUsesIt() {
        Random r = new Random(1);
        double[] x = new double[1 << 16];
        for (int i = 0; i < x.length; i++) {
            // exp(logit - max) and exp(log p): 0 down to the underflow, densest near 0
            x[i] = i % 2 == 0 ? -40 * r.nextDouble() : -707.9 * Math.pow(r.nextDouble(), 4);
        }
        x[0] = 0;
        x[1] = -0.0;
        x[2] = -Math.ulp(1.0);
        x[3] = -Math.log(2) / 2;
        double[] y = apply(x, true);
        for (int i = 0; i < x.length; i++) {
            double expected = StrictMath.exp(x[i]);
            assertThat(Math.abs(y[i] - expected)).as("exp(%s)", x[i]).isLessThanOrEqualTo(2 * Math.ulp(expected));
        }
        assertThat(apply(new double[] {-708.5, -1e30, -Float.MAX_VALUE, Double.NEGATIVE_INFINITY}, true))
                .as("below the underflow").containsOnly(0.0);
    }

    @Test
    void logIsWithinTwoUlpOfStrictMathWhereTheComparisonUsesIt() {
        Random r = new Random(2);
        double[] x = new double[1 << 16];
        for (int i = 0; i < x.length; i++) {
            // log(p + q): the least normal double up to 2
            x[i] = i % 2 == 0 ? 2 * r.nextDouble() + Double.MIN_NORMAL : Math.exp(-708 * r.nextDouble()) * 2;
        }
        x[0] = Double.MIN_NORMAL;
        x[1] = 1;
        x[2] = 2;
        x[3] = Math.sqrt(2);
        x[4] = Math.nextUp(1.0);
        x[5] = Math.nextDown(1.0);
        double[] y = apply(x, false);
        for (int i = 0; i < x.length; i++) {
            double expected = StrictMath.log(x[i]);
            assertThat(Math.abs(y[i] - expected)).as("log(%s)", x[i]).isLessThanOrEqualTo(2 * Math.ulp(expected));
        }
        assertThat(y[1]).as("log 1").isZero();
    }

    private static double[] apply(double[] x, boolean exp) {
        int n = (x.length + LANES - 1) / LANES * LANES;
        double[] in = java.util.Arrays.copyOf(x, n);
        java.util.Arrays.fill(in, x.length, n, exp ? 0 : 1);
        double[] out = new double[n];
        for (int i = 0; i < n; i += LANES) {
            DoubleVector v = DoubleVector.fromArray(DoubleVector.SPECIES_PREFERRED, in, i);
            (exp ? VectorDivergences.exp(v) : VectorDivergences.log(v)).intoArray(out, i);
        }
        return java.util.Arrays.copyOf(out, x.length);
    }
}
