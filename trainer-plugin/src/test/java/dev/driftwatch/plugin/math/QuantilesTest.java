package dev.driftwatch.plugin.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.driftwatch.plugin.report.MetricSummary;
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
}
