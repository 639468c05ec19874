package dev.driftwatch.plugin.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.driftwatch.contract.MetricSummary;
import org.junit.jupiter.api.Test;

class QuantilesTest {

    @Test
    void interpolatesBetweenClosestRanks() {
        double[] v = {1, 2, 3, 4, 5};
        assertThat(Quantiles.ofSorted(v, 0.5)).isEqualTo(3);
        assertThat(Quantiles.ofSorted(v, 0.9)).isCloseTo(4.6, within(1e-12));
        assertThat(Quantiles.ofSorted(v, 0.99)).isCloseTo(4.96, within(1e-12));
        assertThat(Quantiles.ofSorted(v, 1)).isEqualTo(5);
        assertThat(Quantiles.ofSorted(new double[] {7}, 0.9)).isEqualTo(7);
    }

    @Test
    void rejectsNoValues() {
        assertThatThrownBy(() -> Quantiles.ofSorted(new double[0], 0.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void summaryWidensAnIntervalThatMissesTheMean() {
        MetricSummary s = Aggregates.summary(new double[] {1, 2, 3, 10}, 0, 4, 4.5, 6);
        assertThat(s.mean()).isEqualTo(4);
        assertThat(s.ciLow()).isEqualTo(4);
        assertThat(s.max()).isEqualTo(10);
        assertThat(s.p50()).isEqualTo(2.5);
    }

    /**
     * What rounding can put outside a metric's range, which the service refuses: a stratified bound one ulp
     * below the smallest value (accuracy_drop's -1), a mean one ulp above the largest (70 examples of JS at ln 2).
     */
    @Test
    void summaryKeepsTheMeanAndTheIntervalWithinTheValues() {
        double belowMinusOne = Math.nextDown(-1.0);
        MetricSummary drop = Aggregates.summary(new double[] {-1, -1, 0.5}, 0, 3, belowMinusOne, 0.5);
        assertThat(drop.ciLow()).isEqualTo(-1.0);
        double ln2 = Math.log(2);
        double[] js = new double[70];
        java.util.Arrays.fill(js, ln2);
        double sum = 0;
        for (double v : js) {
            sum += v;
        }
        assertThat(sum / js.length).as("the rounded mean of 70 values of ln 2").isGreaterThan(ln2);
        MetricSummary s = Aggregates.summary(js, 0, js.length, ln2, Math.nextUp(ln2));
        assertThat(s.mean()).isEqualTo(ln2);
        assertThat(s.ciHigh()).isEqualTo(ln2);
        assertThat(dev.driftwatch.contract.Metric.JS.range().violation(s.mean())).isNull();
        assertThat(dev.driftwatch.contract.Metric.ACCURACY_DROP.range().violation(drop.ciLow())).isNull();
    }

    @Test
    void theTailQuantileOfUnsortedValuesIsTheSortedOne() {
        java.util.Random r = new java.util.Random(5);
        for (int n : new int[] {1, 2, 3, 40, 1000, 5000}) {
            double[] values = new double[n + 3];
            for (int i = 0; i < values.length; i++) {
                values[i] = r.nextInt(50) / 7.0; // ties on purpose
            }
            double[] before = values.clone();
            double[] sorted = java.util.Arrays.copyOfRange(values, 2, 2 + n);
            java.util.Arrays.sort(sorted);
            for (double q : new double[] {0, 0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.999, 1}) {
                assertThat(Quantiles.ofTail(values, 2, 2 + n, q)).as("n %d q %s", n, q)
                        .isEqualTo(Quantiles.ofSorted(sorted, q));
            }
            assertThat(values).containsExactly(before);
        }
    }
}
