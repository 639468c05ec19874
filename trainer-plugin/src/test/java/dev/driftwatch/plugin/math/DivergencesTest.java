package dev.driftwatch.plugin.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class DivergencesTest {

    /** Log-probabilities of rows of probabilities, shape [rows, V]. */
    private static NDArray log(NDManager m, float[][] probs) {
        return m.create(probs).log();
    }

    @Test
    void matchesHandComputedValuesOnSmallCases() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray lp = log(m, new float[][] {{0.5f, 0.5f, 0f}, {0.7f, 0.2f, 0.1f}}).maximum(-1e30f);
            NDArray lq = log(m, new float[][] {{0.9f, 0.1f, 0f}, {0.1f, 0.3f, 0.6f}}).maximum(-1e30f);
            float[] r = Divergences.binned(lp, lp.exp(), lq, lq.exp()).toFloatArray();
            // row 0 (the third class has probability 0 in both): P = (0.5, 0.5), Q = (0.9, 0.1)
            assertThat((double) r[0]).isCloseTo(0.5108256237659907, within(1e-6)); // 0.5 ln(5/9) + 0.5 ln 5
            assertThat((double) r[1]).isCloseTo(0.3680642071684971, within(1e-6)); // 0.9 ln(9/5) + 0.1 ln(1/5)
            assertThat((double) r[2]).isCloseTo(0.10174922507919676, within(1e-6)); // M = (0.7, 0.3)
            assertThat((double) r[3]).isCloseTo(0.4, within(1e-6));
            // row 1: P = (0.7, 0.2, 0.1), Q = (0.1, 0.3, 0.6)
            assertThat((double) r[4]).isCloseTo(1.1018681357942808, within(1e-6));
            assertThat((double) r[5]).isCloseTo(1.0021041990637507, within(1e-6));
            assertThat((double) r[6]).isCloseTo(0.23064548790411332, within(1e-6));
            assertThat((double) r[7]).isCloseTo(0.6, within(1e-6));
        }
    }

    @Test
    void divergenceOfADistributionFromItselfIsZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray lp = m.randomNormal(0, 3, new Shape(50, 1000), ai.djl.ndarray.types.DataType.FLOAT32).logSoftmax(-1);
            float[] r = Divergences.binned(lp, lp.exp(), lp, lp.exp()).toFloatArray();
            for (float v : r) {
                assertThat(v).isZero();
            }
        }
    }

    @Test
    void jensenShannonStaysBelowLn2ForDisjointDistributions() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray lp = m.create(new float[] {0f, -200f}).reshape(1, 2).logSoftmax(-1);
            NDArray lq = m.create(new float[] {-200f, 0f}).reshape(1, 2).logSoftmax(-1);
            float[] r = Divergences.binned(lp, lp.exp(), lq, lq.exp()).toFloatArray();
            assertThat((double) r[Divergences.JS]).isCloseTo(Math.log(2), within(1e-6)).isLessThanOrEqualTo(Math.log(2) + 1e-7);
            assertThat((double) r[Divergences.TV]).isCloseTo(1.0, within(1e-6));
            assertThat(r[Divergences.KL_PQ]).isGreaterThan(100);
        }
    }

    @Test
    void perExampleMeansSkipMaskedPositions() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray perPosition = m.create(new float[] {1, 10, 2, 20, 100, 1000}, new Shape(1, 3, 2));
            NDArray mask = m.create(new float[] {1, 1, 0}, new Shape(1, 3));
            var out = Divergences.perExample(perPosition, mask);
            assertThat(out.get(0).toFloatArray()).containsExactly(1.5f, 15f);
            assertThat(out.get(1).toFloatArray()).containsExactly(3f, 30f);
        }
    }
}
