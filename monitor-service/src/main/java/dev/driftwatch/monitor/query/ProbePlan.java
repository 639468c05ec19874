package dev.driftwatch.monitor.query;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.monitor.edge.PgLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * How many probe examples a 95% interval of the mean with a chosen half-width needs, overall and per
 * slice, planned from a measured checkpoint (a run's, or a short pilot run's).
 *
 * <p>The half-width of the interval of a mean shrinks as {@code 1 / sqrt(n)}: with {@code n} examples
 * now and a current half-width {@code w = (ciHigh - ciLow) / 2}, {@code n' = ceil(n (w / h)^2)} examples
 * give a half-width of about {@code h}. This is the normal-approximation plan {@code n = (z s / h)^2} with
 * the spread {@code s} read off the measured interval; the interval's skew correction (see
 * docs/metrics.md) makes it a slight underestimate for right-skewed values at small n. The overall plan
 * keeps the slices' proportions.
 *
 * @param metric the metric planned for
 * @param step the checkpoint it was planned from
 * @param halfWidth the wanted half-width, in the metric's unit
 * @param overall the plan over all probes
 * @param slices the plan per slice
 */
public record ProbePlan(String metric, long step, double halfWidth, Row overall, List<Row> slices) {

    /**
     * One line of a plan.
     *
     * @param slice the slice, or null for all probes
     * @param probes the probes measured now
     * @param mean the metric's mean now
     * @param currentHalfWidth half the width of the interval now (finite: it is computed without overflowing)
     * @param needed the probes that give the wanted half-width (at least 2)
     * @param tailIndex the checkpoint's tail index of the values, or null; below 2 no probe count makes the
     *     interval trustworthy
     */
    public record Row(String slice, long probes, double mean, double currentHalfWidth, long needed,
            Double tailIndex) {}

    /**
     * Plans from a checkpoint.
     *
     * @param checkpoint a valid checkpoint
     * @param metric a metric it measured
     * @param halfWidth the wanted half-width, positive
     * @return the plan; slices that did not measure the metric are left out
     * @throws IllegalArgumentException when the checkpoint lacks the metric
     */
    public static ProbePlan of(CheckpointReport checkpoint, String metric, double halfWidth) {
        MetricSummary all = checkpoint.metrics().get(metric);
        if (all == null) {
            throw new IllegalArgumentException("metric '" + metric + "' is not measured at step " + checkpoint.step());
        }
        List<Row> slices = new ArrayList<>();
        for (SliceSummary s : checkpoint.slices()) {
            MetricSummary summary = s.metrics().get(metric);
            if (summary != null) {
                slices.add(row(s.slice(), summary, halfWidth));
            }
        }
        return new ProbePlan(metric, checkpoint.step(), halfWidth, row(null, all, halfWidth), slices);
    }

    private static Row row(String slice, MetricSummary s, double halfWidth) {
        // half of each end, then the difference: an interval from -1.7e308 to 1.7e308 is wider than a double
        // holds, and its width overflowed to Infinity
        double current = s.ciHigh() / 2 - s.ciLow() / 2;
        return new Row(slice, s.count(), s.mean(), current, needed(s.count(), current, halfWidth), s.tailIndex());
    }

    /**
     * {@code ceil(n (current / wanted)^2)}, at least 2 (an interval needs a spread) and at most
     * 2^53 - 1, the largest integer a JSON reader such as the browser's holds exactly (a tiny wanted
     * half-width asks for more probes than that: the plan says "more than anyone has").
     *
     * @param probes n
     * @param current the current half-width
     * @param wanted the wanted half-width
     * @return the probes needed
     */
    static long needed(long probes, double current, double wanted) {
        double ratio = current / wanted;
        double n = Math.ceil(probes * ratio * ratio - 1e-9);
        return (long) Math.max(2, Math.min(PgLimits.MAX_EXACT_JSON_INTEGER, n));
    }
}
