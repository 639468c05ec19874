package dev.driftwatch.plugin.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.driftwatch.plugin.math.Divergences;
import dev.driftwatch.plugin.math.HostDivergences;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JVM path ({@link HostDivergences}, small outputs) and the NDArray path
 * ({@link BaseDistribution#perPosition} with {@link Divergences#perExample}, large outputs) compute
 * the same per-example metrics, masked positions included.
 */
@Timeout(60)
class HostAndDevicePathsTest {

    private static final int EXAMPLES = 6;
    private static final int POSITIONS = 5;

    @ParameterizedTest
    @ValueSource(ints = {2, 10, 1000})
    void bothPathsGiveTheSamePerExampleMetrics(int classes) {
        Random r = new Random(classes);
        float[] baseLogits = new float[EXAMPLES * POSITIONS * classes];
        float[] ftLogits = new float[baseLogits.length];
        for (int i = 0; i < baseLogits.length; i++) {
            baseLogits[i] = (float) (3 * r.nextGaussian());
            // some positions barely move, some move a lot
            ftLogits[i] = baseLogits[i] + (float) ((i / classes % 3) * r.nextGaussian());
        }
        float[] mask = new float[EXAMPLES * POSITIONS];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % POSITIONS <= i / POSITIONS % POSITIONS ? 1 : 0;
        }
        Shape shape = new Shape(EXAMPLES, POSITIONS, classes);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray maskArray = m.create(mask, new Shape(EXAMPLES, POSITIONS));
            ProbeGroup group = ProbeGroup.of(List.of(new ProbeChunk(0, EXAMPLES,
                    new NDList(m.zeros(new Shape(EXAMPLES))), maskArray)), 1, m).get(0);
            try (BaseDistribution dist = BaseDistribution.capture(List.of(group), c -> m.create(baseLogits, shape), m,
                    EXAMPLES * POSITIONS, 1.0, new BaseDistribution.Budget(Long.MAX_VALUE, 4, 0, 1));
                    NDManager scoped = m.newSubManager()) {
                dist.tempAttach(scoped, group, 0);
                NDList device = Divergences.perExample(
                        dist.perPosition(0, scoped.create(ftLogits, shape), 0, EXAMPLES, scoped), maskArray);
                double[] means = device.get(0).toDoubleArray();
                double[] sums = device.get(1).toDoubleArray();
                double[] lse = HostDivergences.logNormalizers(baseLogits, classes, 1.0);
                long[] argmax = dist.arrays(0).get(2).toLongArray();
                double[] host = HostDivergences.perExample(baseLogits, lse, argmax, ftLogits, 1.0, POSITIONS,
                        classes, mask, true);

                int columns = BaseDistribution.COLUMNS;
                int width = columns + 2;
                for (int i = 0; i < EXAMPLES; i++) {
                    for (int c = 0; c < columns; c++) {
                        assertThat(host[i * width + c]).as("example %d column %d", i, c)
                                .isCloseTo(means[i * columns + c], within(1e-12 + 1e-9 * Math.abs(means[i * columns + c])));
                    }
                    assertThat(host[i * width + columns]).isCloseTo(sums[i * columns], within(1e-9));
                    assertThat(host[i * width + columns + 1]).isCloseTo(sums[i * columns + 1], within(1e-9));
                }
                double[] same = HostDivergences.perExample(baseLogits, lse, argmax, baseLogits, 1.0, POSITIONS,
                        classes, mask, true);
                for (int i = 0; i < EXAMPLES; i++) {
                    for (int c = 0; c < 4; c++) {
                        assertThat(same[i * width + c]).as("P = Q, column %d", c).isZero();
                    }
                    assertThat(same[i * width + BaseDistribution.TOP1]).isEqualTo(1.0);
                }
            }
        }
    }
}
