package dev.driftwatch.plugin.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.driftwatch.contract.MetricSummary;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every summary carries the tail index of its values, checked against a Hill estimate written here. */
class SummaryDiagnosticsTest {

    /** The Hill estimator over the k = max(10, n/10) largest values, in plain double. */
    private static double referenceHill(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        int k = Math.min(n - 1, Math.max(10, n / 10));
        double threshold = v[n - 1 - k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            sum += Math.log(v[n - 1 - i]) - Math.log(threshold);
        }
        return k / sum;
    }

    private static double[] pareto(double alpha, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.pow(1 - random.nextDouble(), -1 / alpha);
        }
        return v;
    }

    private static MetricSummary summarise(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return Aggregates.summary(sorted, 0, sorted.length, sorted[0], sorted[sorted.length - 1]);
    }

    @Test
    void heavyAndLightTailsAreToldApartAndMatchTheReference() {
        double[] heavy = pareto(1.2, 600, 7);
        MetricSummary h = summarise(heavy);
        assertThat(h.tailIndex()).isCloseTo(referenceHill(heavy), within(1e-9));
        assertThat(h.hasHeavyTail()).isTrue();

        double[] light = pareto(6, 600, 8);
        MetricSummary l = summarise(light);
        assertThat(l.tailIndex()).isCloseTo(referenceHill(light), within(1e-9));
        assertThat(l.hasHeavyTail()).isFalse();
        assertThat(l.samplingStdError()).isNull(); // set by the meter, for a sampled base tail only
    }

    @Test
    void tooFewOrTiedValuesCarryNoTailIndex() {
        assertThat(summarise(pareto(1.2, 19, 9)).tailIndex()).isNull();
        double[] tied = new double[100];
        Arrays.fill(tied, 0.25);
        assertThat(summarise(tied).tailIndex()).isNull();
        assertThat(summarise(tied).hasHeavyTail()).isFalse();
    }
}
