package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.alert.ConditionEvaluator.Observation;
import dev.driftwatch.monitor.alert.ConditionEvaluator.RunFlags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class ConditionEvaluatorTest {

    /** A summary with the given mean and CI bounds. */
    private static MetricSummary summary(double mean, double ciLow, double ciHigh) {
        return new MetricSummary(100, mean, mean, mean, mean, mean, ciLow, ciHigh);
    }

    private static MetricSource source(long step, double kl, double ciLow, double ciHigh, Map<String, Double> slices) {
        List<SliceSummary> s = new ArrayList<>();
        slices.forEach((name, v) -> s.add(new SliceSummary(name, 50,
                Map.of(MetricNames.HEADLINE, summary(v, v * 0.9, v * 1.1)))));
        return new MetricSource(step, Map.of(MetricNames.HEADLINE, summary(kl, ciLow, ciHigh)), s,
                Map.of("validate_loss", 0.4), 0.2, 0.05);
    }

    private static MetricSource source(long step, double kl) {
        return source(step, kl, kl * 0.9, kl * 1.1, Map.of());
    }

    private static Condition threshold(String op, double t, boolean ciAware) {
        return new ConditionSpec("threshold", "kl_base_ft", "mean", null, op, t, ciAware ? true : null, null, null, null).toCondition();
    }

    private static List<Observation> observe(Condition c, MetricSource now) {
        return observe(c, now, n -> null, null);
    }

    /** Observes with no forecast (the forecast rule has its own test, ForecastConditionTest). */
    private static List<Observation> observe(Condition c, MetricSource now, IntFunction<MetricSource> back,
            RunFlags flags) {
        return ConditionEvaluator.observe(c, now, new RunContext(back, flags,
                (upTo, q) -> DriftForecasts.Outlook.none(null, "no forecast in this test")));
    }

    @Test
    void thresholdAboveAndBelow() {
        assertThat(observe(threshold("above", 0.5, false), source(1, 0.6)).get(0).holds()).isTrue();
        assertThat(observe(threshold("above", 0.5, false), source(1, 0.5)).get(0).holds()).isFalse();
        assertThat(observe(threshold("below", 0.5, false), source(1, 0.4)).get(0).holds()).isTrue();
        assertThat(observe(threshold("below", 0.5, false), source(1, 0.6)).get(0).holds()).isFalse();
    }

    @Test
    void ciAwareAboveNeedsTheLowerBoundAboveTheThreshold() {
        // mean above the threshold but the CI reaches below it: not confidently above
        MetricSource uncertain = source(1, 0.6, 0.45, 0.75, Map.of());
        assertThat(observe(threshold("above", 0.5, false), uncertain).get(0).holds()).isTrue();
        Observation ci = observe(threshold("above", 0.5, true), uncertain).get(0);
        assertThat(ci.holds()).isFalse();
        assertThat(ci.value()).isEqualTo(0.45);
        assertThat(observe(threshold("above", 0.5, true), source(1, 0.6, 0.55, 0.65, Map.of())).get(0).holds())
                .isTrue();
    }

    /** The observations' words, as the run page, the alert history and the notices show them. */
    @Test
    void observationsSayWhatWasSeenInWords() {
        assertThat(observe(threshold("above", 0.5, false), source(12, 0.61234)).get(0).summary())
                .isEqualTo("kl_base_ft mean 0.6123 > 0.5000 at step 12");
        assertThat(observe(threshold("above", 0.5, true), source(12, 0.6, 0.45, 0.75, Map.of())).get(0).summary())
                .isEqualTo("kl_base_ft mean CI bound 0.4500 not > 0.5000 at step 12");
        Condition perSlice = new ConditionSpec("threshold", "kl_base_ft", "mean", "*", "below", 2e-7, null, null, null,
                null).toCondition();
        assertThat(observe(perSlice, source(3, 0.1, 0.09, 0.11, Map.of("off-task/law", 1.5e-7))).get(0).summary())
                .isEqualTo("kl_base_ft mean on off-task/law 1.500e-07 < 2.000e-07 at step 3");
        Condition rate = new ConditionSpec("rate", "kl_base_ft", "mean", null, "above", 0.05, null, 3, null, null)
                .toCondition();
        assertThat(observe(rate, source(9, 0.3), n -> source(7, 0.2), null).get(0).summary())
                .isEqualTo("kl_base_ft mean changed by 0.1000 from step 7 to 9 (0.1000 > 0.05000)");
    }

    @Test
    void ciAwareBelowNeedsTheUpperBoundBelowTheThreshold() {
        assertThat(observe(threshold("below", 0.5, true), source(1, 0.4, 0.3, 0.55, Map.of())).get(0).holds())
                .isFalse();
        assertThat(observe(threshold("below", 0.5, true), source(1, 0.4, 0.3, 0.45, Map.of())).get(0).holds())
                .isTrue();
    }

    @Test
    void otherAggregatesScalarsAndSlices() {
        Condition p99 = new ConditionSpec("threshold", "kl_base_ft", "ciHigh", null, "above", 0.65, null, null, null, null).toCondition();
        assertThat(observe(p99, source(1, 0.6)).get(0).value()).isEqualTo(0.66, org.assertj.core.data.Offset.offset(1e-9));
        Condition loss = new ConditionSpec("threshold", "validate_loss", null, null, "above", 0.3, null, null, null, null).toCondition();
        assertThat(observe(loss, source(1, 0.6)).get(0).holds()).isTrue();
        Map<String, Double> slices = new LinkedHashMap<>();
        slices.put("on-task", 0.2);
        slices.put("off-task/general", 0.9);
        Condition each = new ConditionSpec("threshold", "kl_base_ft", "mean", "*", "above", 0.5, null, null, null, null).toCondition();
        List<Observation> seen = observe(each, source(1, 0.5, 0.4, 0.6, slices));
        assertThat(seen).extracting(Observation::sliceKey).containsExactly("on-task", "off-task/general");
        assertThat(seen).extracting(Observation::holds).containsExactly(false, true);
        Condition missing = new ConditionSpec("threshold", "kl_base_ft", "mean", "nope", "above", 0.5, null, null, null, null).toCondition();
        assertThat(observe(missing, source(1, 0.6))).isEmpty();
    }

    @Test
    void offTaskLooksAtOffTaskSlicesOnly() {
        Map<String, Double> slices = new LinkedHashMap<>();
        slices.put("on-task", 2.0);
        slices.put("off-task/general", 0.3);
        slices.put("off-task/safety", 0.8);
        Condition offTask = new ConditionSpec("off_task", "kl_base_ft", "mean", null, "above", 0.5, null, null, null, null).toCondition();
        List<Observation> seen = observe(offTask, source(1, 1.0, 0.9, 1.1, slices));
        assertThat(seen).extracting(Observation::sliceKey).containsExactly("off-task/general", "off-task/safety");
        assertThat(seen).extracting(Observation::holds).containsExactly(false, true);
    }

    @Test
    void rateComparesWithTheCheckpointWindowMinusOneBack() {
        Condition rate = new ConditionSpec("rate", "kl_base_ft", "mean", null, "above", 0.2, null, 3, null, null).toCondition();
        List<Integer> asked = new ArrayList<>();
        List<Observation> rising = observe(rate, source(30, 0.7), n -> {
            asked.add(n);
            return source(10, 0.4);
        }, null);
        assertThat(asked).containsExactly(2);
        assertThat(rising.get(0).holds()).isTrue();
        assertThat(rising.get(0).value()).isEqualTo(0.3, org.assertj.core.data.Offset.offset(1e-9));
        List<Observation> flat = observe(rate, source(30, 0.5), n -> source(10, 0.4), null);
        assertThat(flat.get(0).holds()).isFalse();
        Condition falling = new ConditionSpec("rate", "kl_base_ft", "mean", null, "below", -0.2, null, 3, null, null).toCondition();
        assertThat(observe(falling, source(30, 0.1), n -> source(10, 0.4), null).get(0).holds())
                .isTrue();
        // not enough history yet: no observation, the state stays as it is
        assertThat(observe(rate, source(30, 0.7), n -> null, null)).isEmpty();
        // a change past the double range (an audit's rule on values of +-1.8e308): compared as it is, kept finite
        Condition drop = new ConditionSpec("rate", "kl_base_ft", "mean", null, "below", -Double.MAX_VALUE, null, 3, null,
                null).toCondition();
        Observation overflow = observe(drop, source(30, -Double.MAX_VALUE), n -> source(10, Double.MAX_VALUE), null)
                .get(0);
        assertThat(overflow.holds()).isTrue();
        assertThat(overflow.value()).isEqualTo(-Double.MAX_VALUE);
    }

    @Test
    void concentratedDriftComparesTheTopSliceWithTheMean() {
        Condition conc = new ConditionSpec("concentrated", "kl_base_ft", "mean", null, null, null, null, null, 2.0, null).toCondition();
        Map<String, Double> even = Map.of("a", 0.5, "b", 0.6, "c", 0.55);
        assertThat(observe(conc, source(1, 0.5, 0.4, 0.6, even)).get(0).holds()).isFalse();
        Map<String, Double> one = new LinkedHashMap<>();
        one.put("a", 0.1);
        one.put("b", 0.1);
        one.put("c", 1.0); // mean 0.4, top 1.0 = 2.5x
        Observation o = observe(conc, source(1, 0.5, 0.4, 0.6, one)).get(0);
        assertThat(o.holds()).isTrue();
        assertThat(o.value()).isEqualTo(2.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(o.summary()).contains("slice c");
        Condition withFloor = new ConditionSpec("concentrated", "kl_base_ft", "mean", null, null, 2.0, null, null, 2.0, null).toCondition();
        assertThat(observe(withFloor, source(1, 0.5, 0.4, 0.6, one)).get(0).holds()).isFalse();
        assertThat(observe(conc, source(1, 0.5, 0.4, 0.6, Map.of("only", 3.0)))).isEmpty();
        // values at both ends of the double range (an audit's): the mean of two subnormals underflowed to 0, which
        // made the ratio infinite and the rule fire ("infx the mean 0.000"); two values near the largest double
        // overflowed their sum, a ratio of 0
        Map<String, Double> tiny = new LinkedHashMap<>();
        tiny.put("a", Double.MIN_VALUE);
        tiny.put("b", Double.MIN_VALUE);
        Observation flat = observe(conc, source(1, 0.5, 0.4, 0.6, tiny)).get(0);
        assertThat(flat.holds()).isFalse();
        assertThat(flat.value()).isEqualTo(1.0);
        assertThat(flat.summary()).contains("1.00x the mean 4.900e-324");
        Map<String, Double> huge = new LinkedHashMap<>();
        huge.put("a", Double.MAX_VALUE / 8);
        huge.put("b", Double.MAX_VALUE);
        huge.put("c", Double.MAX_VALUE);
        Observation top = observe(conc, source(1, 0.5, 0.4, 0.6, huge)).get(0);
        assertThat(top.holds()).isFalse();
        assertThat(top.value()).isEqualTo(3 / 2.125, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void flagNeedsBothFlagsAndIsOnlyObservedWhenFlagsAreGiven() {
        Condition flag = new ConditionSpec("flag", null, null, null, null, null, null, null, null, null).toCondition();
        assertThat(observe(flag, source(1, 1), n -> null, new RunFlags(true, true)).get(0).holds())
                .isTrue();
        assertThat(observe(flag, source(1, 1), n -> null, new RunFlags(true, false)).get(0).holds())
                .isFalse();
        assertThat(observe(flag, source(1, 1), n -> null, null)).isEmpty();
    }

    @Test
    void describesConditions() {
        assertThat(ConditionEvaluator.describe(threshold("above", 0.5, true), 3))
                .isEqualTo("lower CI bound of kl_base_ft mean > 0.5000 for 3 checkpoints");
    }
}
