package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * Evaluates a condition on one checkpoint. Pure: the caller supplies the checkpoint, a way to look
 * back for rate windows, and the run's flags.
 */
final class ConditionEvaluator {

    private ConditionEvaluator() {}

    /**
     * What a condition saw for one alert instance at one checkpoint.
     *
     * @param sliceKey the instance's slice ({@code ""} when the rule is not per slice)
     * @param holds whether the condition holds
     * @param value the compared value, or null
     * @param summary what was seen, in words
     */
    record Observation(String sliceKey, boolean holds, Double value, String summary) {}

    /**
     * The run's flags when the checkpoint was stored.
     *
     * @param parameterHeavy trainable fraction at or above the project threshold
     * @param driftsFar drifts far from base
     */
    record RunFlags(boolean parameterHeavy, boolean driftsFar) {}

    /**
     * Evaluates a condition.
     *
     * @param c the condition
     * @param now the checkpoint
     * @param back returns the valid checkpoint {@code n} checkpoints before {@code now}, or null
     * @param flags the run's flags, or null when they do not apply to this checkpoint (flag
     *     conditions are only evaluated at the newest checkpoint of an upload)
     * @return one observation per instance with data; none when the checkpoint lacks the numbers
     */
    static List<Observation> observe(Condition c, MetricSource now, IntFunction<MetricSource> back, RunFlags flags) {
        List<Observation> out = new ArrayList<>();
        switch (c.type()) {
            case Condition.FLAG -> {
                if (flags != null) {
                    boolean holds = flags.parameterHeavy() && flags.driftsFar();
                    out.add(new Observation("", holds, null, "parameter-heavy " + flags.parameterHeavy()
                            + ", drifts-far " + flags.driftsFar()));
                }
            }
            case Condition.THRESHOLD -> {
                if (Condition.EACH_SLICE.equals(c.slice())) {
                    for (SliceSummary s : now.slices()) {
                        addIfPresent(out, threshold(c, now, s.slice(), s.slice()));
                    }
                } else {
                    addIfPresent(out, threshold(c, now, c.slice(), c.slice() == null ? "" : c.slice()));
                }
            }
            case Condition.OFF_TASK -> {
                for (SliceSummary s : now.slices()) {
                    if (s.slice().startsWith(Condition.OFF_TASK_PREFIX)) {
                        addIfPresent(out, threshold(c, now, s.slice(), s.slice()));
                    }
                }
            }
            case Condition.RATE -> {
                MetricSource then = back.apply(c.window() - 1);
                if (Condition.EACH_SLICE.equals(c.slice())) {
                    for (SliceSummary s : now.slices()) {
                        addIfPresent(out, rate(c, now, then, s.slice(), s.slice()));
                    }
                } else {
                    addIfPresent(out, rate(c, now, then, c.slice(), c.slice() == null ? "" : c.slice()));
                }
            }
            case Condition.CONCENTRATED -> addIfPresent(out, concentrated(c, now));
            default -> throw new IllegalStateException("unknown condition type " + c.type());
        }
        return out;
    }

    private static void addIfPresent(List<Observation> out, Observation o) {
        if (o != null) {
            out.add(o);
        }
    }

    private static Observation threshold(Condition c, MetricSource now, String slice, String key) {
        double t = c.threshold();
        String name = label(c) + (slice == null ? "" : " on " + slice);
        if (c.checksCiBound()) {
            MetricSummary s = now.summary(c.metric(), slice);
            if (s == null) {
                return null;
            }
            double bound = c.wantsAbove() ? s.ciLow() : s.ciHigh();
            boolean holds = c.wantsAbove() ? bound > t : bound < t;
            return new Observation(key, holds, bound, String.format(Locale.ROOT, "%s CI bound %s %s %s at step %d",
                    name, num(bound), holds ? sign(c) : "not " + sign(c), num(t), now.step()));
        }
        Double v = now.value(c.metric(), c.aggregate(), slice);
        if (v == null) {
            return null;
        }
        boolean holds = c.wantsAbove() ? v > t : v < t;
        return new Observation(key, holds, v, String.format(Locale.ROOT, "%s %s %s %s at step %d",
                name, num(v), holds ? sign(c) : "not " + sign(c), num(t), now.step()));
    }

    private static Observation rate(Condition c, MetricSource now, MetricSource then, String slice, String key) {
        if (then == null) {
            return null;
        }
        Double v1 = now.value(c.metric(), c.aggregate(), slice);
        Double v0 = then.value(c.metric(), c.aggregate(), slice);
        if (v1 == null || v0 == null) {
            return null;
        }
        double change = v1 - v0;
        double t = c.threshold();
        boolean holds = c.wantsAbove() ? change > t : change < t;
        return new Observation(key, holds, change, String.format(Locale.ROOT,
                "%s%s changed by %s from step %d to %d (%s %s %s)", label(c), slice == null ? "" : " on " + slice,
                num(change), then.step(), now.step(), num(change), holds ? sign(c) : "not " + sign(c), num(t)));
    }

    private static Observation concentrated(Condition c, MetricSource now) {
        String top = null;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        int n = 0;
        for (SliceSummary s : now.slices()) {
            MetricSummary summary = s.metrics().get(c.metric());
            if (summary == null) {
                continue;
            }
            double v = MetricSource.aggregate(summary, c.aggregate());
            sum += v;
            n++;
            if (v > max) {
                max = v;
                top = s.slice();
            }
        }
        if (n < 2) {
            return null;
        }
        double mean = sum / n;
        double ratio = mean > 0 ? max / mean : (max > 0 ? Double.POSITIVE_INFINITY : 1);
        boolean holds = ratio >= c.factor() && (c.threshold() == null || max >= c.threshold());
        return new Observation("", holds, Double.isFinite(ratio) ? ratio : null, String.format(Locale.ROOT,
                "%s on slice %s is %s, %sx the mean %s over %d slices at step %d", label(c), top, num(max),
                Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f", ratio) : "inf", num(mean), n, now.step()));
    }

    /**
     * Describes a rule's condition in words.
     *
     * @param c the condition
     * @param forCount the rule's {@code for}
     * @return e.g. {@code lower CI bound of kl_base_ft mean > 0.5 for 3 checkpoints}
     */
    static String describe(Condition c, int forCount) {
        String what = switch (c.type()) {
            case Condition.FLAG -> "run flagged parameter-heavy and drifts-far";
            case Condition.RATE -> String.format(Locale.ROOT, "change of %s over %d checkpoints %s %s",
                    label(c) + sliceText(c), c.window(), sign(c), num(c.threshold()));
            case Condition.CONCENTRATED -> String.format(Locale.ROOT, "one slice's %s >= %sx the mean over slices%s",
                    label(c), num(c.factor()), c.threshold() == null ? "" : " and >= " + num(c.threshold()));
            case Condition.OFF_TASK -> String.format(Locale.ROOT, "%s%s on an off-task slice %s %s",
                    c.checksCiBound() ? ciBound(c) + " of " : "", label(c), sign(c), num(c.threshold()));
            default -> String.format(Locale.ROOT, "%s%s%s %s %s", c.checksCiBound() ? ciBound(c) + " of " : "",
                    label(c), sliceText(c), sign(c), num(c.threshold()));
        };
        return forCount > 1 ? what + " for " + forCount + " checkpoints" : what;
    }

    private static String sliceText(Condition c) {
        if (c.slice() == null) {
            return "";
        }
        return Condition.EACH_SLICE.equals(c.slice()) ? " on any slice" : " on slice " + c.slice();
    }

    private static String ciBound(Condition c) {
        return c.wantsAbove() ? "lower CI bound" : "upper CI bound";
    }

    private static String label(Condition c) {
        return c.aggregate() == null ? c.metric() : c.metric() + " " + c.aggregate();
    }

    private static String sign(Condition c) {
        return c.wantsAbove() ? ">" : "<";
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
