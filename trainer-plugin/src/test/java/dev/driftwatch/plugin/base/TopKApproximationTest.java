package dev.driftwatch.plugin.base;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.driftwatch.plugin.math.Divergences;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Measures the top-k approximation against the exact divergences on Zipf-like distributions over a
 * 32k vocabulary (the numbers in docs/metrics.md come from this test's output).
 */
@Timeout(120)
class TopKApproximationTest {

    private static final int POSITIONS = 64;
    private static final int VOCAB = 32768;

    /** Zipf logits (-s ln rank, ranks shuffled per position), and a fine-tuned version with noise and boosted tail tokens. */
    private static float[][] zipfPair(long seed, double exponent) {
        Random r = new Random(seed);
        float[] base = new float[POSITIONS * VOCAB];
        float[] ft = new float[POSITIONS * VOCAB];
        int[] perm = new int[VOCAB];
        for (int p = 0; p < POSITIONS; p++) {
            for (int v = 0; v < VOCAB; v++) {
                perm[v] = v;
            }
            for (int v = VOCAB - 1; v > 0; v--) {
                int j = r.nextInt(v + 1);
                int t = perm[v];
                perm[v] = perm[j];
                perm[j] = t;
            }
            double s = exponent * (0.9 + 0.2 * r.nextDouble());
            for (int v = 0; v < VOCAB; v++) {
                int at = p * VOCAB + perm[v];
                base[at] = (float) (-s * Math.log(v + 1));
                // fine-tuning: noise everywhere, and 20 tokens from deep in the tail pushed up
                ft[at] = base[at] + (float) (0.3 * r.nextGaussian()) + (v >= 1000 && v < 1020 ? 5f : 0f);
            }
        }
        return new float[][] {base, ft};
    }

    private static double[] meanKlBothWays(NDManager m, float[] base, float[] ft, long budget, int k) {
        ProbeGroup chunk = ProbeGroup.of(
                List.of(new ProbeChunk(0, POSITIONS, new NDList(m.zeros(new Shape(POSITIONS))), null)), 1, m).get(0);
        NDArray baseLogits = m.create(base, new Shape(POSITIONS, 1, VOCAB));
        try (BaseDistribution dist = BaseDistribution.capture(List.of(chunk),
                c -> baseLogits.logSoftmax(-1), m, POSITIONS, budget, k);
                NDManager scoped = m.newSubManager()) {
            dist.tempAttach(scoped, chunk, 0);
            NDArray lq = scoped.create(ft, new Shape(POSITIONS, 1, VOCAB)).logSoftmax(-1);
            NDArray perExample = Divergences.perExample(dist.perPosition(0, lq, 0, POSITIONS, scoped), null).get(0);
            float[] v = perExample.toFloatArray();
            double pq = 0;
            double qp = 0;
            double js = 0;
            int cols = BaseDistribution.COLUMNS;
            for (int i = 0; i < POSITIONS; i++) {
                pq += v[i * cols];
                qp += v[i * cols + 1];
                js += v[i * cols + 2];
            }
            return new double[] {pq / POSITIONS, qp / POSITIONS, js / POSITIONS, dist.bytes()};
        }
    }

    @Test
    void topKIsALowerBoundWithAMeasuredError() {
        try (NDManager m = NDManager.newBaseManager()) {
            double flatError = Double.NaN;
            double peakedError = Double.NaN;
            for (double exponent : new double[] {1.1, 1.5, 2.0}) {
                float[][] pair = zipfPair(17, exponent);
                double[] exact = meanKlBothWays(m, pair[0], pair[1], Long.MAX_VALUE, 64);
                System.out.printf(Locale.ROOT, "Zipf s=%.1f exact: KL(base||ft) %.5f  KL(ft||base) %.5f  JS %.5f  (%.1f MiB)%n",
                        exponent, exact[0], exact[1], exact[2], exact[3] / (1 << 20));
                for (int k : new int[] {16, 64, 256, 1024}) {
                    double[] approx = meanKlBothWays(m, pair[0], pair[1], 0, k);
                    double[] rel = new double[3];
                    for (int j = 0; j < 3; j++) {
                        rel[j] = (exact[j] - approx[j]) / exact[j];
                        // data-processing inequality: the coarse bins never overstate the divergence
                        assertThat(approx[j]).as("s=%.1f k=%d metric %d", exponent, k, j)
                                .isLessThanOrEqualTo(exact[j] * (1 + 1e-5) + 1e-6);
                    }
                    System.out.printf(Locale.ROOT,
                            "  topk(%d): KL(base||ft) %.5f (-%.1f%%)  KL(ft||base) %.5f (-%.1f%%)  JS %.5f (-%.1f%%)  (%.2f MiB)%n",
                            k, approx[0], 100 * rel[0], approx[1], 100 * rel[1], approx[2], 100 * rel[2],
                            approx[3] / (1 << 20));
                    if (k == 64 && exponent == 1.1) {
                        flatError = rel[0];
                    }
                    if (k == 64 && exponent == 2.0) {
                        peakedError = rel[0];
                    }
                }
            }
            // Peaked distributions keep most of the headline; flat ones lose the drift that happens
            // inside the tail bin (see docs/metrics.md).
            assertThat(peakedError).isLessThan(flatError);
        }
    }
}
