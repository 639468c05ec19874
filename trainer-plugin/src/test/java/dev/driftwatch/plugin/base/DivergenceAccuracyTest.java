package dev.driftwatch.plugin.base;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.driftwatch.plugin.math.Divergences;
import dev.driftwatch.plugin.math.HostDivergences;
import dev.driftwatch.plugin.math.JvmVectors;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import dev.driftwatch.plugin.testing.Accuracy;
import dev.driftwatch.plugin.testing.ReferenceDivergences;
import dev.driftwatch.plugin.testing.Zipf;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every measurement path (the NDArray path of {@link BaseDistribution#perPosition}, with its exact comparison
 * in PyTorch's operations and on the JVM's vector unit, and the JVM path of {@link HostDivergences}) against
 * the independent double-precision {@link ReferenceDivergences}, at language-model vocabularies (32k, GPT-2's
 * 50,257 and 128k): every per-example KL(base||ft), KL(ft||base), JS, TV and
 * entropy within 1e-3 relative, or 1e-8 nats absolute where the reference is below 1e-5.
 */
@Timeout(120)
class DivergenceAccuracyTest {

    /** A base/fine-tuned pair of logits {@code [examples, positions, classes]} and a mask. */
    record Case(String name, int examples, int positions, int classes, float[] base, float[] ft, float[] mask,
            double temperature) {
        @Override
        public String toString() {
            return name + " V=" + classes;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int v : new int[] {32_768, 131_072}) {
            int examples = v > 50_000 ? 2 : 4;
            int positions = v > 50_000 ? 3 : 4;
            out.add(Arguments.of(zipf("zipf s=1.1, drift 1e-4 (KL ~ 1e-9)", examples, positions, v, 1.1, 1e-4, 1.0)));
            out.add(Arguments.of(zipf("zipf s=1.1, drift 1e-3 (KL ~ 1e-7)", examples, positions, v, 1.1, 1e-3, 1.0)));
            out.add(Arguments.of(zipf("zipf s=1.5, drift 0.03 (KL ~ 1e-4)", examples, positions, v, 1.5, 0.03, 1.0)));
            out.add(Arguments.of(zipf("zipf s=2.0, drift 0.5, tau 0.7", examples, positions, v, 2.0, 0.5, 0.7)));
            out.add(Arguments.of(peaked(examples, positions, v)));
            out.add(Arguments.of(huge(examples, positions, v)));
            out.add(Arguments.of(masked(examples, positions, v)));
        }
        // GPT-2's vocabulary, 50,257: a length no vector unit divides, so every row ends in the scalar loop
        out.add(Arguments.of(zipf("zipf s=1.1, drift 1e-3 (KL ~ 1e-7)", 2, 3, 50_257, 1.1, 1e-3, 1.0)));
        out.add(Arguments.of(peaked(2, 3, 50_257)));
        return out.stream();
    }

    /** Zipf logits (-s ln rank, ranks shuffled per position); the fine-tuned ones add N(0, drift^2). */
    private static Case zipf(String name, int examples, int positions, int classes, double s, double drift,
            double temperature) {
        Random r = new Random(classes + (long) (1000 * s) + (long) (1e6 * drift));
        int rows = examples * positions;
        float[] base = new float[rows * classes];
        float[] ft = new float[base.length];
        for (int row = 0; row < rows; row++) {
            int[] perm = Zipf.shuffledRanks(r, classes);
            for (int v = 0; v < classes; v++) {
                int at = row * classes + perm[v];
                base[at] = (float) (-s * Math.log(v + 1) + 3);
                ft[at] = (float) (base[at] + drift * r.nextGaussian());
            }
        }
        return new Case(name, examples, positions, classes, base, ft, null, temperature);
    }

    /** One class 25 nats above N(0, 1) logits (probability ~1 - 1e-6); the fine-tuned model moves a little. */
    private static Case peaked(int examples, int positions, int classes) {
        Random r = new Random(classes + 7);
        float[] base = new float[examples * positions * classes];
        float[] ft = new float[base.length];
        for (int row = 0; row < examples * positions; row++) {
            int top = r.nextInt(classes);
            for (int v = 0; v < classes; v++) {
                int at = row * classes + v;
                base[at] = (float) (r.nextGaussian() + (v == top ? 25 : 0));
                ft[at] = (float) (base[at] + 0.01 * r.nextGaussian() + (v == top ? -0.5 * row : 0));
            }
        }
        return new Case("peaked (top class at 25 nats)", examples, positions, classes, base, ft, null, 1.0);
    }

    /** Logits uniform in +-1e4: distributions that are one-hot in double; every other position swaps the top class. */
    private static Case huge(int examples, int positions, int classes) {
        Random r = new Random(classes + 11);
        float[] base = new float[examples * positions * classes];
        float[] ft = new float[base.length];
        for (int row = 0; row < examples * positions; row++) {
            for (int v = 0; v < classes; v++) {
                int at = row * classes + v;
                base[at] = (float) (2e4 * r.nextDouble() - 1e4);
                ft[at] = row % 2 == 0 ? (float) (2e4 * r.nextDouble() - 1e4) : base[at] + (float) r.nextGaussian();
            }
        }
        return new Case("+-1e4 logits", examples, positions, classes, base, ft, null, 1.0);
    }

    /** Sequences whose unscored positions differ wildly (a masked position that leaked in would show). */
    private static Case masked(int examples, int positions, int classes) {
        Case c = zipf("masked", examples, positions, classes, 1.2, 0.05, 1.0);
        float[] mask = new float[examples * positions];
        Random r = new Random(3);
        for (int i = 0; i < examples; i++) {
            for (int t = 0; t < positions; t++) {
                mask[i * positions + t] = t == 0 || r.nextBoolean() ? 1 : 0;
                if (mask[i * positions + t] == 0) {
                    int at = (i * positions + t) * classes;
                    for (int v = 0; v < classes; v++) {
                        c.ft()[at + v] = (float) (20 * r.nextGaussian());
                    }
                }
            }
        }
        return new Case("masked sequences", examples, positions, classes, c.base(), c.ft(), mask, 1.0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bothPathsMatchTheFloat64Reference(Case c) {
        double[][] reference = ReferenceDivergences.perExample(c.base(), c.ft(), c.positions(), c.classes(), c.mask(),
                c.temperature());
        double[][] device = device(c, false);
        double[][] vectors = device(c, true);
        double[][] host = host(c);
        double worstDevice = 0;
        double worstVectors = 0;
        double worstHost = 0;
        int[] columns = {ReferenceDivergences.KL_PQ, ReferenceDivergences.KL_QP, ReferenceDivergences.JS,
            ReferenceDivergences.TV, ReferenceDivergences.ENTROPY_Q, ReferenceDivergences.ENTROPY_P};
        String[] names = {"kl_base_ft", "kl_ft_base", "js", "tv", "entropy_ft", "entropy_base"};
        for (int i = 0; i < c.examples(); i++) {
            for (int k = 0; k < columns.length; k++) {
                double expected = reference[i][columns[k]];
                String what = String.format(Locale.ROOT, "%s, example %d, %s", c, i, names[k]);
                worstDevice = Math.max(worstDevice, Accuracy.check("device path, " + what, device[i][k], expected));
                worstVectors = Math.max(worstVectors,
                        Accuracy.check("device path on the JVM's vectors, " + what, vectors[i][k], expected));
                worstHost = Math.max(worstHost, Accuracy.check("host path, " + what, host[i][k], expected));
            }
        }
        System.out.printf(Locale.ROOT,
                "%-40s V=%6d  KL(base||ft) %.3e  worst error / allowed: device %.1e, vectors %.1e, host %.1e%n",
                c.name(), c.classes(), reference[0][0], worstDevice, worstVectors, worstHost);
    }

    /**
     * The NDArray path: capture, perPosition, perExample; columns as {@link #check}'s names. With
     * {@code jvmVectors}, its exact comparison on the JVM's vector unit (the tests' JVM has the module), else
     * PyTorch's operations.
     */
    private static double[][] device(Case c, boolean jvmVectors) {
        assertThat(JvmVectors.available()).as("the tests run with " + JvmVectors.OPTION).isTrue();
        Shape shape = new Shape(c.examples(), c.positions(), c.classes());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray mask = c.mask() == null ? null : m.create(c.mask(), new Shape(c.examples(), c.positions()));
            ProbeGroup group = ProbeGroup.of(List.of(new ProbeChunk(0, c.examples(),
                    new NDList(m.zeros(new Shape(c.examples()))), mask)), 1, m).get(0);
            try (BaseDistribution base = BaseDistribution.capture(List.of(group), b -> m.create(c.base(), shape), m,
                    (long) c.examples() * c.positions(), c.temperature(),
                    new BaseDistribution.Budget(Long.MAX_VALUE, 64, 0, 1));
                    NDManager scoped = m.newSubManager()) {
                assertThat(base.approximation()).isEqualTo("exact");
                base.useJvmVectors(jvmVectors);
                base.tempAttach(scoped, group, 0);
                NDArray perPosition = base.perPosition(0, scoped.create(c.ft(), shape), 0, c.examples(), scoped);
                double[] means = Divergences.perExample(perPosition, mask).get(0).toDoubleArray();
                double[] entropyBase = base.entropy();
                int w = BaseDistribution.COLUMNS;
                // the base against itself: every divergence exactly 0
                double[] same = Divergences.perExample(
                        base.perPosition(0, scoped.create(c.base(), shape), 0, c.examples(), scoped), mask).get(0)
                        .toDoubleArray();
                for (int i = 0; i < c.examples(); i++) {
                    for (int k = 0; k < Divergences.BINNED_COLUMNS; k++) {
                        assertThat(same[i * w + k]).as("KL/JS/TV of the base against itself").isZero();
                    }
                }
                double[][] out = new double[c.examples()][];
                for (int i = 0; i < c.examples(); i++) {
                    out[i] = new double[] {means[i * w], means[i * w + 1], means[i * w + 2], means[i * w + 3],
                        means[i * w + BaseDistribution.ENTROPY_FT], entropyBase[i]};
                }
                return out;
            }
        }
    }

    /** The JVM path. */
    private static double[][] host(Case c) {
        int rows = c.examples() * c.positions();
        long[] argmax = new long[rows];
        for (int row = 0; row < rows; row++) {
            for (int v = 1; v < c.classes(); v++) {
                if (c.base()[row * c.classes() + v] > c.base()[row * c.classes() + (int) argmax[row]]) {
                    argmax[row] = v;
                }
            }
        }
        double[] lse = HostDivergences.logNormalizers(c.base(), c.classes(), c.temperature());
        double[] values = HostDivergences.perExample(c.base(), lse, argmax, c.ft(), c.temperature(), c.positions(),
                c.classes(), c.mask(), false);
        // the base against itself: every divergence exactly 0, and its entropy is H(base)
        double[] same = HostDivergences.perExample(c.base(), lse, argmax, c.base(), c.temperature(), c.positions(),
                c.classes(), c.mask(), false);
        int w = BaseDistribution.COLUMNS;
        double[][] out = new double[c.examples()][];
        for (int i = 0; i < c.examples(); i++) {
            for (int k = 0; k < Divergences.BINNED_COLUMNS; k++) {
                assertThat(same[i * w + k]).as("KL/JS/TV of the base against itself").isZero();
            }
            out[i] = new double[] {values[i * w], values[i * w + 1], values[i * w + 2], values[i * w + 3],
                values[i * w + BaseDistribution.ENTROPY_FT], same[i * w + BaseDistribution.ENTROPY_FT]};
        }
        return out;
    }
}
