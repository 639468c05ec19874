package dev.driftwatch.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.testing.Accuracy;
import dev.driftwatch.plugin.testing.LogitTable;
import dev.driftwatch.plugin.testing.ReferenceDivergences;
import dev.driftwatch.plugin.testing.Zipf;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models whose logits have {@code -Inf}: classes they rule out, as a padded or masked vocabulary does. A class
 * with logit {@code -Inf} has probability exactly 0; the independent {@link ReferenceDivergences} takes the
 * {@code -Inf} as it is (terms with probability 0 add nothing), and the measurement must match it on every
 * path: the exact NDArray path, the top-k + sampled-tail sketch and the JVM path. Before, the base capture
 * refused such a model ("NaN or Inf"), and a fine-tuned model that came to rule a class out made the
 * checkpoint invalid ({@code 0 * -Inf} = NaN).
 */
@Timeout(300)
class MaskedVocabularyTest {

    private static final int POSITIONS = 4;

    /** A vocabulary padded by an eighth (its last classes at -Inf on both sides), at LM and classifier sizes. */
    @ParameterizedTest(name = "{0}, V={2}")
    @CsvSource({
        "exact, 1073741824, 32768, 48, 0.001",
        "topk(64)+tail(192), 1048576, 32768, 48, 0.01",
        "exact, 1073741824, 16, 200, 0.001", // small enough for the JVM path
    })
    void aPaddedVocabularyIsMeasuredAsProbabilityZero(String approximation, long budget, int vocab, int examples,
            double relative) {
        int padded = vocab / 8;
        int rows = examples * POSITIONS;
        Random r = new Random(vocab + examples);
        float[] base = new float[rows * vocab];
        float[] ft = new float[base.length];
        for (int row = 0; row < rows; row++) {
            int[] ranks = Zipf.shuffledRanks(r, vocab - padded);
            for (int v = 0; v < vocab; v++) {
                int at = row * vocab + v;
                if (v >= vocab - padded) {
                    base[at] = Float.NEGATIVE_INFINITY;
                    ft[at] = Float.NEGATIVE_INFINITY;
                } else {
                    base[at] = (float) (-1.5 * Math.log(ranks[v] + 1));
                    ft[at] = (float) (base[at] + 0.1 * r.nextGaussian());
                }
            }
        }
        Run run = measure(examples, vocab, budget, base, ft);
        assertThat(run.approximation).isEqualTo(approximation);
        assertThat(run.measurement.valid()).as(run.measurement.invalidReason()).isTrue();
        double worst = 0;
        for (Map.Entry<Metric, Integer> e : Accuracy.REFERENCE_COLUMNS.entrySet()) {
            double expected = mean(run.reference, e.getValue());
            double allowed = e.getKey().name().startsWith("ENTROPY") ? Accuracy.RELATIVE : relative;
            if (e.getKey() == Metric.KL_BASE_FT) {
                // a sampled tail's estimate: within four of the standard errors the checkpoint reports
                allowed += 4 * run.measurement.samplingStdError() / expected;
            }
            System.out.printf(Locale.ROOT, "  %s %s: %.6e vs %.6e (allowed relative %.4f)%n", approximation,
                    e.getKey().wireName(), mean(run.measurement, e.getKey()), expected, allowed);
            worst = Math.max(worst, Accuracy.check(approximation + " " + e.getKey().wireName(),
                    mean(run.measurement, e.getKey()), expected, allowed));
        }
        System.out.printf(Locale.ROOT, "%s V=%d, %d classes at -Inf: KL(base||ft) %.4e vs reference %.4e;"
                + " worst error / allowed %.2f%n", approximation, vocab, padded, mean(run.measurement, Metric.KL_BASE_FT),
                mean(run.reference, ReferenceDivergences.KL_PQ), worst);
    }

    /**
     * The base allows every class; the fine-tuned model comes to rule out the base's top class on one example.
     * KL(base||ft) is infinite there: it is reported as p * 3.4e38, here 1e30 or more (a finite number the wire
     * and the service can carry, and past any threshold), with a finite interval, while every other value
     * matches the reference.
     */
    @Test
    void aClassTheFineTunedModelComesToRuleOutGivesAHugeKlNotAnInvalidCheckpoint() {
        int vocab = 32_768;
        int examples = 48;
        int culprit = 7;
        float[][] pair = ruledOutTopClass(vocab, examples, 5, i -> i == culprit);
        float[] base = pair[0];
        float[] ft = pair[1];

        Run run = measure(examples, vocab, 1L << 30, base, ft);
        assertThat(run.measurement.valid()).as(run.measurement.invalidReason()).isTrue();
        assertThat(run.reference[culprit][ReferenceDivergences.KL_PQ]).isInfinite();
        TopExample top = run.measurement.aggregates().top().get(0);
        assertThat(top.probeId()).isEqualTo("p" + culprit);
        assertThat(top.value()).isGreaterThanOrEqualTo(1e30).isFinite();
        // a finite interval around the mean (see halfTheProbesRuledOutStillGetAnIntervalAroundTheMean)
        MetricSummary kl = run.measurement.aggregates().metrics().get(Metric.KL_BASE_FT.wireName());
        assertThat(kl.ciLow()).isFinite().isLessThanOrEqualTo(kl.mean());
        assertThat(kl.ciHigh()).isFinite().isGreaterThan(kl.ciLow()).isGreaterThanOrEqualTo(kl.mean());
        for (Map.Entry<Metric, Integer> e : Accuracy.REFERENCE_COLUMNS.entrySet()) {
            if (e.getKey() != Metric.KL_BASE_FT) {
                Accuracy.check(e.getKey().wireName(), mean(run.measurement, e.getKey()), mean(run.reference, e.getValue()),
                        Accuracy.RELATIVE);
            }
        }
        // the other examples' KL(base||ft), one by one through the listed top examples
        for (TopExample t : run.measurement.aggregates().top()) {
            int i = Integer.parseInt(t.probeId().substring(1));
            if (i != culprit) {
                Accuracy.check("KL(base||ft) of " + t.probeId(), t.value(), run.reference[i][ReferenceDivergences.KL_PQ],
                        Accuracy.RELATIVE);
            }
        }
    }

    /**
     * Half the probes have a class the fine-tuned model rules out: their KL(base||ft) is of order 1e37, past what
     * the device bootstrap's float32 sums hold, and the interval is formed in double: around the mean, as the
     * examples' spread says (on the device its lower bound fell to the smallest example, 0.001).
     */
    @Test
    void halfTheProbesRuledOutStillGetAnIntervalAroundTheMean() {
        int vocab = 4096;
        int examples = 48;
        float[][] pair = ruledOutTopClass(vocab, examples, 6, i -> i % 2 == 0);
        Run run = measure(examples, vocab, 1L << 30, pair[0], pair[1]);
        assertThat(run.measurement.valid()).as(run.measurement.invalidReason()).isTrue();
        MetricSummary kl = run.measurement.aggregates().metrics().get(Metric.KL_BASE_FT.wireName());
        assertThat(kl.mean()).isGreaterThan(1e30).isFinite();
        assertThat(kl.ciLow()).isGreaterThan(0.5 * kl.mean()).isLessThan(kl.mean());
        assertThat(kl.ciHigh()).isLessThan(1.5 * kl.mean()).isGreaterThan(kl.mean());
    }

    /**
     * Zipf base logits (s = 1.2) and fine-tuned ones a little off them, where the fine-tuned model rules out the
     * base's top class at position 2 of the chosen examples.
     *
     * @return the base's and the fine-tuned logits
     */
    private static float[][] ruledOutTopClass(int vocab, int examples, long seed,
            java.util.function.IntPredicate ruledOut) {
        int rows = examples * POSITIONS;
        Random r = new Random(seed);
        float[] base = new float[rows * vocab];
        float[] ft = new float[base.length];
        for (int row = 0; row < rows; row++) {
            int[] ranks = Zipf.shuffledRanks(r, vocab);
            for (int v = 0; v < vocab; v++) {
                base[row * vocab + v] = (float) (-1.2 * Math.log(ranks[v] + 1));
                ft[row * vocab + v] = (float) (base[row * vocab + v] + 0.05 * r.nextGaussian());
            }
            if (ruledOut.test(row / POSITIONS) && row % POSITIONS == 2) {
                ft[row * vocab + ReferenceDivergences.argmax(base, row * vocab, vocab)] = Float.NEGATIVE_INFINITY;
            }
        }
        return new float[][] {base, ft};
    }

    /**
     * A base read from the cache file knows its ruled-out classes as one captured by forward passes does (the
     * cache records them): on every path the first checkpoint takes one forward per probe chunk, not a second
     * attempt after a NaN, and gives the same values as after a capture.
     */
    @ParameterizedTest(name = "V={0}, budget {1}")
    @CsvSource({"4096, 16, 1073741824", "32768, 16, 1048576", "16, 200, 1073741824"})
    void aBaseFromTheCacheFileMeasuresItsRuledOutClassesAtOnce(int vocab, int examples, long budget,
            @TempDir Path cache) {
        int rows = examples * POSITIONS;
        Random r = new Random(5);
        float[] base = new float[rows * vocab];
        float[] ft = new float[base.length];
        for (int k = 0; k < base.length; k++) {
            boolean ruledOut = k % vocab >= vocab - vocab / 8;
            base[k] = ruledOut ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
            ft[k] = ruledOut ? Float.NEGATIVE_INFINITY : (float) (base[k] + 0.1 * r.nextGaussian());
        }
        ProbeSet probes = ProbeSet.builder().addInput("ids", ids(rows), new Shape(POSITIONS))
                .optMask(promptMask(rows), POSITIONS).build();
        DriftSettings settings = new DriftSettings(probes, 1.0, 0, 16, budget, 64, budget < (1L << 30) ? 192 : 0, cache,
                1000, 42, 10, false, 0);
        long[] forwardsPerMeasurement = new long[2];
        double[] kl = new double[2];
        for (int attempt = 0; attempt < 2; attempt++) { // the first captures and writes the cache, the second reads it
            try (LogitTable table = new LogitTable(rows, vocab, POSITIONS); DriftMeter meter = new DriftMeter(settings)) {
                table.set(base);
                meter.captureBase(table.trainer());
                table.set(ft);
                long before = table.forwards();
                DriftMeter.Measurement m = meter.measure(table.trainer());
                forwardsPerMeasurement[attempt] = table.forwards() - before;
                assertThat(m.valid()).as(m.invalidReason()).isTrue();
                kl[attempt] = mean(m, Metric.KL_BASE_FT);
            }
        }
        System.out.printf(Locale.ROOT, "forwards of the first measurement: %d after a capture, %d from the cache;"
                + " KL(base||ft) %.6e and %.6e%n", forwardsPerMeasurement[0], forwardsPerMeasurement[1], kl[0], kl[1]);
        assertThat(forwardsPerMeasurement[0]).isPositive();
        assertThat(forwardsPerMeasurement[1]).isEqualTo(forwardsPerMeasurement[0]);
        assertThat(kl[1]).isEqualTo(kl[0]);
    }

    private static float[] ids(int rows) {
        float[] ids = new float[rows];
        for (int k = 0; k < rows; k++) {
            ids[k] = k;
        }
        return ids;
    }

    /** The first position of every example is its prompt (not scored). */
    private static float[] promptMask(int rows) {
        float[] mask = new float[rows];
        for (int k = 0; k < rows; k++) {
            mask[k] = k % POSITIONS == 0 ? 0 : 1;
        }
        return mask;
    }

    private record Run(String approximation, DriftMeter.Measurement measurement, double[][] reference) {}

    /** Captures a model giving {@code base}, measures it giving {@code ft}; the reference from what it returned. */
    private static Run measure(int examples, int vocab, long budget, float[] base, float[] ft) {
        int rows = examples * POSITIONS;
        float[] ids = ids(rows);
        float[] mask = promptMask(rows);
        String[] names = new String[examples];
        for (int i = 0; i < examples; i++) {
            names[i] = "p" + i;
        }
        ProbeSet probes = ProbeSet.builder().addInput("ids", ids, new Shape(POSITIONS)).optMask(mask, POSITIONS)
                .optIds(java.util.List.of(names)).build();
        DriftSettings settings = new DriftSettings(probes, 1.0, 0, 16, budget, 64, budget < (1L << 30) ? 192 : 0,
                null, 1000, 42, 10, false, 0);
        try (LogitTable table = new LogitTable(rows, vocab, POSITIONS); DriftMeter meter = new DriftMeter(settings)) {
            table.set(base);
            float[] baseOut = table.outputs(ids, POSITIONS);
            meter.captureBase(table.trainer());
            table.set(ft);
            float[] ftOut = table.outputs(ids, POSITIONS);
            DriftMeter.Measurement first = meter.measure(table.trainer());
            DriftMeter.Measurement again = meter.measure(table.trainer());
            assertThat(again.valid()).isEqualTo(first.valid());
            if (first.valid()) {
                assertThat(mean(again, Metric.KL_BASE_FT)).isEqualTo(mean(first, Metric.KL_BASE_FT));
            }
            return new Run(meter.approximation(), first,
                    ReferenceDivergences.perExample(baseOut, ftOut, POSITIONS, vocab, mask, 1.0));
        }
    }

    private static double mean(DriftMeter.Measurement m, Metric metric) {
        MetricSummary s = m.aggregates().metrics().get(metric.wireName());
        return s.mean();
    }

    private static double mean(double[][] reference, int column) {
        double sum = 0;
        for (double[] row : reference) {
            sum += row[column];
        }
        return sum / reference.length;
    }
}
