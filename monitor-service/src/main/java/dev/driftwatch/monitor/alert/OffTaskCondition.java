package dev.driftwatch.monitor.alert;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code off_task}: like {@link ThresholdCondition}, for every slice whose label starts with
 * {@link #OFF_TASK_PREFIX}, one alert per slice.
 *
 * @param watch the metric (default: the headline) and aggregate
 * @param op above (the default) or below
 * @param threshold the threshold
 * @param ciAware compare the CI bound instead of the mean
 */
public record OffTaskCondition(Watch watch, Op op, double threshold, boolean ciAware) implements Condition {

    static Condition read(ConditionReader in) {
        Watch watch = in.watch(true);
        in.slice(false);
        boolean ciAware = in.ciAware(true, watch);
        return new OffTaskCondition(watch, in.op(Op.ABOVE), in.threshold(true), ciAware);
    }

    @Override
    public ConditionType type() {
        return ConditionType.OFF_TASK;
    }

    @Override
    public ConditionSpec toSpec() {
        return new ConditionSpec(type().wireName(), watch.metric(), watch.aggregate(), null, op.wireName(), threshold,
                ciAware ? Boolean.TRUE : null, null, null, null);
    }

    @Override
    public List<ConditionEvaluator.Observation> observe(MetricSource now, RunContext run) {
        List<ConditionEvaluator.Observation> out = new ArrayList<>();
        now.slices().stream().filter(s -> s.slice().startsWith(OFF_TASK_PREFIX)).forEach(s ->
                ConditionEvaluator.add(out, ConditionEvaluator.compare(watch, op, threshold, ciAware, now, s.slice())));
        return out;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s%s on an off-task slice %s %s",
                ciAware ? ConditionEvaluator.ciBound(op) + " of " : "", watch.label(), op.sign(),
                ConditionEvaluator.num(threshold));
    }
}
