package dev.driftwatch.monitor.alert;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code rate}: the change of the watched value over the last {@code window} checkpoints
 * ({@code value(now) - value(window - 1 checkpoints before)}) is above or below a threshold.
 *
 * @param watch the metric and aggregate
 * @param slice null for the whole probe set, a slice label, or {@link #EACH_SLICE}
 * @param op above or below
 * @param threshold the change
 * @param window checkpoints of the window, the current one included, 2 to {@value RuleValidator#MAX_WINDOW}
 */
public record RateCondition(
        Watch watch,
        String slice,
        Op op,
        double threshold,
        @Min(value = 2, message = WINDOW_RULE) @Max(value = RuleValidator.MAX_WINDOW, message = WINDOW_RULE) int window)
        implements Condition {

    static final String WINDOW_RULE =
            "is required, an integer in [2, " + RuleValidator.MAX_WINDOW + "] (checkpoints, the current one included)";

    static Condition read(ConditionReader in) {
        Watch watch = in.watch(false);
        String slice = in.slice(true);
        in.ciAware(false, watch);
        return new RateCondition(watch, slice, in.op(null), in.threshold(true), in.window());
    }

    @Override
    public ConditionType type() {
        return ConditionType.RATE;
    }

    @Override
    public ConditionSpec toSpec() {
        return new ConditionSpec(type().wireName(), watch.metric(), watch.aggregate(), slice, op.wireName(), threshold,
                null, window, null, null);
    }

    @Override
    public List<ConditionEvaluator.Observation> observe(MetricSource now, RunContext run) {
        List<ConditionEvaluator.Observation> out = new ArrayList<>();
        MetricSource then = run.back().apply(window - 1);
        if (then == null) {
            return out;
        }
        for (String s : ConditionEvaluator.slices(slice, now)) {
            Double v1 = watch.value(now, s);
            Double v0 = watch.value(then, s);
            if (v1 == null || v0 == null) {
                continue;
            }
            double change = v1 - v0;
            boolean holds = op.holds(change, threshold);
            // between values near the ends of the double range the change overflows: compared as it is, kept
            // as the largest finite value of its sign (a number the API and the alert's history can carry,
            // where Infinity came out as the string "Infinity")
            double kept = Math.max(-Double.MAX_VALUE, Math.min(Double.MAX_VALUE, change));
            long from = then.step();
            long to = now.step();
            out.add(new ConditionEvaluator.Observation(s == null ? "" : s, holds, kept, (Supplier<String>) () -> {
                String by = ConditionEvaluator.num(change);
                return watch.label() + (s == null ? "" : " on " + s) + " changed by " + by + " from step " + from
                        + " to " + to + " (" + by + " " + (holds ? op.sign() : "not " + op.sign()) + " "
                        + ConditionEvaluator.num(threshold) + ")";
            }));
        }
        return out;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "change of %s over %d checkpoints %s %s",
                watch.label() + ConditionEvaluator.sliceText(slice), window, op.sign(),
                ConditionEvaluator.num(threshold));
    }
}
