package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.MetricSummary;

/**
 * The number a condition watches: a metric and, for a summary metric, its aggregate.
 *
 * @param metric a metric name ({@link MetricNames#ALL})
 * @param aggregate the statistic of a summary metric ({@link MetricNames#AGGREGATES}), or null for a scalar
 */
record Watch(String metric, String aggregate) {

    /**
     * Reads the value at a checkpoint.
     *
     * @param at the checkpoint
     * @param slice a slice label, or null for the whole probe set
     * @return the value, or null when the checkpoint does not have it
     */
    Double value(MetricSource at, String slice) {
        return at.value(metric, aggregate, slice);
    }

    /**
     * Reads the summary at a checkpoint (summary metrics only).
     *
     * @param at the checkpoint
     * @param slice a slice label, or null
     * @return the summary, or null
     */
    MetricSummary summary(MetricSource at, String slice) {
        return at.summary(metric, slice);
    }

    /** @return e.g. {@code kl_base_ft mean}, or the scalar's name */
    String label() {
        return aggregate == null ? metric : metric + " " + aggregate;
    }
}
