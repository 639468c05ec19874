package dev.driftwatch.monitor.alert;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code threshold}: the watched value (of the whole probe set, one slice, or every slice with
 * {@code "*"}) is above or below a threshold; with {@code ciAware} the CI bound on the far side is
 * compared instead of the mean (above: {@code ciLow > threshold}, below: {@code ciHigh < threshold}).
 *
 * @param watch the metric and aggregate
 * @param slice null for the whole probe set, a slice label, or {@link #EACH_SLICE}
 * @param op above or below
 * @param threshold the threshold
 * @param ciAware compare the CI bound instead of the mean
 */
public record ThresholdCondition(Watch watch, String slice, Op op, double threshold, boolean ciAware)
        implements Condition {

    static Condition read(ConditionReader in) {
        Watch watch = in.watch(false);
        String slice = in.slice(true);
        boolean ciAware = in.ciAware(true, watch);
        return new ThresholdCondition(watch, slice, in.op(null), in.threshold(true), ciAware);
    }

    @Override
    public ConditionType type() {
        return ConditionType.THRESHOLD;
    }

    @Override
    public ConditionSpec toSpec() {
        return new ConditionSpec(type().wireName(), watch.metric(), watch.aggregate(), slice, op.wireName(), threshold,
                ciAware ? Boolean.TRUE : null, null, null, null);
    }

    @Override
    public List<ConditionEvaluator.Observation> observe(MetricSource now, RunContext run) {
        List<ConditionEvaluator.Observation> out = new ArrayList<>();
        for (String s : ConditionEvaluator.slices(slice, now)) {
            ConditionEvaluator.add(out, ConditionEvaluator.compare(watch, op, threshold, ciAware, now, s));
        }
        return out;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s%s%s %s %s", ciAware ? ConditionEvaluator.ciBound(op) + " of " : "",
                watch.label(), ConditionEvaluator.sliceText(slice), op.sign(), ConditionEvaluator.num(threshold));
    }
}
