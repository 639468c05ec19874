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

    @Test
    void rowMaximaAreThoseOfPlainJavaLoopsForLongAndShortRowsAndLeaveNothingBehind() {
        // rows of a 32k vocabulary (row by row), of 10 classes (at once), in 2-D and 3-D, float32 and float64,
        // with the maximum at the first and the last column and a NaN row (which a maximum propagates)
        long[][] shapes = {{8, 32_000}, {2, 3, 32_000}, {5, 10}, {1, 16_384}};
        try (NDManager m = NDManager.newBaseManager()) {
            java.util.Random r = new java.util.Random(11);
            for (long[] dims : shapes) {
                for (ai.djl.ndarray.types.DataType type : new ai.djl.ndarray.types.DataType[] {
                        ai.djl.ndarray.types.DataType.FLOAT32, ai.djl.ndarray.types.DataType.FLOAT64}) {
                    Shape shape = new Shape(dims);
                    int v = (int) dims[dims.length - 1];
                    int rows = (int) (shape.size() / v);
                    double[] x = new double[(int) shape.size()];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (r.nextGaussian() * 4 - 30);
                    }
                    x[0] = 50; // the first column of row 0
                    x[Math.min(rows, 2) * v - 1] = 60; // the last column of row 1 (of row 0 when it is the only one)
                    if (rows > 2) {
                        x[2 * v + 7] = Double.NaN;
                    }
                    try (NDManager scope = m.newSubManager()) {
                        NDArray array = scope.create(x).toType(type, false).reshape(shape);
                        int before = scope.getManagedArrays().size();
                        NDArray max = Divergences.rowMax(array);
                        // the row views and per-row maxima are closed; the result stays with the input's manager
                        assertThat(scope.getManagedArrays().size()).isEqualTo(before + 1);
                        assertThat(max.getShape().getLastDimension()).isEqualTo(1);
                        assertThat(max.getShape().size()).isEqualTo(rows);
                        assertThat(max.getDataType()).isEqualTo(type);
                        double[] got = max.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                        for (int row = 0; row < rows; row++) {
                            double expected = Double.NEGATIVE_INFINITY;
                            for (int c = 0; c < v; c++) {
                                double value = x[row * v + c];
                                expected = Double.isNaN(value) || Double.isNaN(expected) ? Double.NaN
                                        : Math.max(expected, value);
                            }
                            if (Double.isNaN(expected)) {
                                assertThat(got[row]).as("%s row %d", shape, row).isNaN();
                            } else {
                                assertThat(got[row]).as("%s %s row %d", shape, type, row).isEqualTo(expected);
                            }
                        }
                    }
                }
            }
        }
    }
}
