package dev.driftwatch.plugin.report;

import java.util.Map;

/**
 * The metrics of one probe slice (for example {@code on-task} or {@code off-task/safety}).
 *
 * @param slice the slice label
 * @param count number of probe examples in the slice
 * @param metrics aggregates keyed by metric name ({@link Metrics})
 */
public record SliceSummary(String slice, int count, Map<String, MetricSummary> metrics) {

    /**
     * Copies the map so the record stays immutable.
     *
     * @param slice the slice label
     * @param count number of probe examples in the slice
     * @param metrics aggregates keyed by metric name ({@link Metrics})
     */
    public SliceSummary {
        metrics = Map.copyOf(metrics);
    }
}
