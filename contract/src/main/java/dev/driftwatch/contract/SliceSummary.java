package dev.driftwatch.contract;

import java.util.Map;

/**
 * The metrics of one probe slice (for example {@code on-task} or {@code off-task/safety}).
 *
 * @param slice the slice label
 * @param count number of probe examples in the slice
 * @param metrics aggregates keyed by metric wire name ({@link Metric})
 */
public record SliceSummary(String slice, long count, Map<String, MetricSummary> metrics) {

    /** Copies the map so the record stays immutable. */
    public SliceSummary {
        metrics = WireJson.orderedCopy(metrics);
    }
}
