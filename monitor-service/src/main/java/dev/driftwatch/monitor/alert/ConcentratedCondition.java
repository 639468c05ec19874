package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import java.util.Locale;

/**
 * {@code concentrated}: one slice's value is at least {@code factor} times the mean over all slices
 * (and, when set, at least {@code floor}).
 *
 * @param watch the metric (default: the headline) and aggregate
 * @param factor the multiple of the mean over slices, > 1
 * @param floor the smallest value of the top slice that counts, or null
 */
public record ConcentratedCondition(
        Watch watch,
        @NotNull(message = FACTOR_RULE) @DecimalMin(value = "1", inclusive = false, message = FACTOR_RULE) Double factor,
        Double floor) implements Condition {

    static final String FACTOR_RULE = "is required, a finite number > 1 (times the mean over slices)";

    static Condition read(ConditionReader in) {
        Watch watch = in.watch(true);
        in.slice(false);
        in.ciAware(false, watch);
        return new ConcentratedCondition(watch, in.factor(), in.threshold(false));
    }

    @Override
    public ConditionType type() {
        return ConditionType.CONCENTRATED;
    }

    @Override
    public ConditionSpec toSpec() {
        return new ConditionSpec(type().wireName(), watch.metric(), watch.aggregate(), null, null, floor, null, null,
                factor, null);
    }

    @Override
    public List<ConditionEvaluator.Observation> observe(MetricSource now, RunContext run) {
        String top = null;
        double max = Double.NEGATIVE_INFINITY;
        List<Double> values = new java.util.ArrayList<>();
        for (SliceSummary s : now.slices()) {
            MetricSummary summary = s.metrics().get(watch.metric());
            if (summary == null) {
                continue;
            }
            double v = MetricSource.aggregate(summary, watch.aggregate());
            values.add(v);
            if (v > max) {
                max = v;
                top = s.slice();
            }
        }
        int n = values.size();
        if (n < 2) {
            return List.of();
        }
        // max / mean as n / sum(v / max): the sum of values near Double.MAX_VALUE overflowed (a ratio of 0), and
        // the mean of subnormal values underflowed to 0 (an infinite ratio, "infx the mean 0.000")
        double scaled = 0;
        for (double v : values) {
            scaled += max > 0 ? v / max : 0;
        }
        double mean = max > 0 ? max * (scaled / n) : values.stream().mapToDouble(Double::doubleValue).sum() / n;
        double ratio = max > 0 ? (scaled > 0 ? n / scaled : Double.POSITIVE_INFINITY) : 1;
        boolean holds = ratio >= factor && (floor == null || max >= floor);
        return List.of(new ConditionEvaluator.Observation("", holds, Double.isFinite(ratio) ? ratio : null,
                String.format(Locale.ROOT, "%s on slice %s is %s, %sx the mean %s over %d slices at step %d",
                        watch.label(), top, ConditionEvaluator.num(max),
                        Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f", ratio) : "inf",
                        ConditionEvaluator.num(mean), n, now.step())));
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "one slice's %s >= %sx the mean over slices%s", watch.label(),
                ConditionEvaluator.num(factor), floor == null ? "" : " and >= " + ConditionEvaluator.num(floor));
    }
}
