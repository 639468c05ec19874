package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Evaluates conditions on one checkpoint (each {@link Condition} does its own part) and holds what
 * they share: the observation type and the threshold comparison. Pure: the caller supplies the
 * checkpoint and what the condition may see of its run ({@link RunContext}).
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
    record Observation(String sliceKey, boolean holds, Double value, Supplier<String> words) {

        /**
         * An observation whose words are already written.
         *
         * @param sliceKey the slice, "" for the whole probe set
         * @param holds whether the condition holds
         * @param value the value compared (may be null)
         * @param summary what was seen, in words
         */
        Observation(String sliceKey, boolean holds, Double value, String summary) {
            this(sliceKey, holds, value, () -> summary);
        }

        /**
         * What was seen, in words: written when asked for (an upload of many rules, slices and checkpoints
         * observes hundreds of thousands of times, and writing every observation's numbers was half its
         * evaluation; the words are kept only where an alert's state is saved or a rule's status shown).
         *
         * @return the words
         */
        String summary() {
            return words.get();
        }
    }

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
     * @param run what the condition may see of the run beyond the checkpoint
     * @return one observation per instance with data; none when the checkpoint lacks the numbers
     */
    static List<Observation> observe(Condition c, MetricSource now, RunContext run) {
        return c.observe(now, run);
    }

    /**
     * Describes a rule's condition in words.
     *
     * @param c the condition
     * @param forCount the rule's {@code for}
     * @return e.g. {@code lower CI bound of kl_base_ft mean > 0.5 for 3 checkpoints}
     */
    static String describe(Condition c, int forCount) {
        String what = c.describe();
        return forCount > 1 ? what + " for " + forCount + " checkpoints" : what;
    }

    /** The slices a per-slice setting names: null (whole probe set), one label, or every slice for {@code *}. */
    static List<String> slices(String slice, MetricSource now) {
        if (Condition.EACH_SLICE.equals(slice)) {
            return now.slices().stream().map(SliceSummary::slice).toList();
        }
        return Arrays.asList(slice);
    }

    static void add(List<Observation> out, Observation o) {
        if (o != null) {
            out.add(o);
        }
    }

    /**
     * Compares the watched value (or its CI bound on the far side) with a threshold.
     *
     * @return the observation keyed by the slice, or null when the checkpoint lacks the value
     */
    static Observation compare(Watch watch, Op op, double t, boolean ciAware, MetricSource now, String slice) {
        String key = slice == null ? "" : slice;
        String name = watch.label() + (slice == null ? "" : " on " + slice);
        if (ciAware) {
            MetricSummary s = watch.summary(now, slice);
            if (s == null) {
                return null;
            }
            double bound = op == Op.ABOVE ? s.ciLow() : s.ciHigh();
            boolean holds = op.holds(bound, t);
            long step = now.step();
            return new Observation(key, holds, bound, (Supplier<String>) () -> name + " CI bound " + num(bound) + " "
                    + (holds ? op.sign() : "not " + op.sign()) + " " + num(t) + " at step " + step);
        }
        Double v = watch.value(now, slice);
        if (v == null) {
            return null;
        }
        boolean holds = op.holds(v, t);
        long step = now.step();
        return new Observation(key, holds, v, (Supplier<String>) () -> name + " " + num(v) + " "
                + (holds ? op.sign() : "not " + op.sign()) + " " + num(t) + " at step " + step);
    }

    static String sliceText(String slice) {
        if (slice == null) {
            return "";
        }
        return Condition.EACH_SLICE.equals(slice) ? " on any slice" : " on slice " + slice;
    }

    static String ciBound(Op op) {
        return op == Op.ABOVE ? "lower CI bound" : "upper CI bound";
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
