package dev.driftwatch.plugin.base;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A comparison given the probe mask compares only the scored positions (a language model's prompt and
 * padding cost no pass over the vocabulary): every scored position's metrics and log-normaliser are the
 * same bits as without the mask, the unscored ones are 0, whatever the model output there (here NaN, which
 * the full comparison carries into its rows).
 */
@Timeout(120)
class ScoredPositionsTest {

    private static final int EXAMPLES = 6;
    private static final int POSITIONS = 24;

    @ParameterizedTest(name = "V={0}, budget {1}")
    @CsvSource({
        "32768, 9223372036854775807", // exact
        "32768, 1048576", // topk(64)+tail(192)
        "50, 9223372036854775807", // a small vocabulary, exact
    })
    void onlyScoredPositionsAreComparedAndTheyMatchTheFullComparison(int classes, long budget) {
        Random r = new Random(classes);
        int rows = EXAMPLES * POSITIONS;
        float[] base = new float[rows * classes];
        float[] ft = new float[base.length];
        float[] mask = new float[rows];
        for (int row = 0; row < rows; row++) {
            int t = row % POSITIONS;
            int example = row / POSITIONS;
            // a prompt of 4 + example positions, then the continuation, then padding after 18 + example
            mask[row] = t >= 4 + example && t < 18 + example ? 1 : 0;
            for (int v = 0; v < classes; v++) {
                int at = row * classes + v;
                base[at] = (float) (2 * r.nextGaussian());
                ft[at] = mask[row] == 0 && v == 0 ? Float.NaN : (float) (base[at] + 0.3 * r.nextGaussian());
            }
        }
        Shape shape = new Shape(EXAMPLES, POSITIONS, classes);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray maskArray = m.create(mask, new Shape(EXAMPLES, POSITIONS));
            ProbeGroup group = ProbeGroup.of(List.of(new ProbeChunk(0, EXAMPLES,
                    new NDList(m.zeros(new Shape(EXAMPLES))), maskArray)), 1, m).get(0);
            try (BaseDistribution dist = BaseDistribution.capture(List.of(group), c -> m.create(base, shape), m,
                    rows, 1.0, new BaseDistribution.Budget(budget, 64, 192, 7));
                    NDManager scoped = m.newSubManager()) {
                dist.tempAttach(scoped, group, 0);
                NDArray logits = scoped.create(ft, shape);
                for (int[] part : new int[][] {{0, EXAMPLES}, {1, 4}}) {
                    NDArray partMask = maskArray.get(part[0] + ":" + part[1]);
                    NDList all = dist.perPositionAndNormalizers(0, logits, part[0], part[1], scoped);
                    NDList scoredOnly = dist.perPositionAndNormalizers(0, logits, part[0], part[1], partMask, scoped);
                    double[] fullMetrics = all.get(0).toDoubleArray();
                    double[] fullLse = all.get(1).toDoubleArray();
                    double[] metrics = scoredOnly.get(0).toDoubleArray();
                    double[] lse = scoredOnly.get(1).toDoubleArray();
                    assertThat(scoredOnly.get(0).getShape()).isEqualTo(all.get(0).getShape());
                    assertThat(scoredOnly.get(1).getShape()).isEqualTo(all.get(1).getShape());
                    int columns = BaseDistribution.COLUMNS;
                    int scored = 0;
                    for (int p = 0; p < lse.length; p++) {
                        boolean isScored = mask[part[0] * POSITIONS + p] != 0;
                        scored += isScored ? 1 : 0;
                        for (int c = 0; c < columns; c++) {
                            double expected = isScored ? fullMetrics[p * columns + c] : 0;
                            assertThat(metrics[p * columns + c]).as("%s position %d column %d", dist.approximation(),
                                    p, c).isEqualTo(expected);
                        }
                        assertThat(lse[p]).as("position %d", p).isEqualTo(isScored ? fullLse[p] : 0);
                        if (!isScored) {
                            assertThat(fullLse[p]).as("the full comparison's unscored position %d", p).isNaN();
                        }
                    }
                    System.out.printf("%s V=%d, examples [%d, %d): %d of %d positions compared%n",
                            dist.approximation(), classes, part[0], part[1], scored, lse.length);
                }
            }
        }
    }
}
