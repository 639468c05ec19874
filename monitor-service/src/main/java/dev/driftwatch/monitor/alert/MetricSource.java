package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.Statistic;
import java.util.List;
import java.util.Map;

/**
 * The numbers of one checkpoint a rule can look at, from an upload or read back from the database.
 *
 * @param step the checkpoint's step
 * @param metrics summaries of the whole probe set by metric
 * @param slices per-slice summaries
 * @param taskMetrics the trainer's metrics (train_loss, validate_loss, ...)
 * @param trainableFraction trainable / total parameters, or null
 * @param globalRelativeL2 relative L2 drift of the trainable weights, or null
 */
record MetricSource(long step, Map<String, MetricSummary> metrics, List<SliceSummary> slices,
        Map<String, Double> taskMetrics, Double trainableFraction, Double globalRelativeL2) {

    /** Reads an uploaded checkpoint. */
    static MetricSource of(CheckpointReport c) {
        ParameterDrift p = c.parameters();
        return new MetricSource(c.step(), c.metrics(), c.slices(), c.taskMetrics(),
                p == null ? null : p.trainableFraction(), p == null ? null : p.globalRelativeL2());
    }

    /**
     * Returns a summary.
     *
     * @param metric a summary metric
     * @param slice a slice label, or null for the whole probe set
     * @return the summary, or null when this checkpoint does not have it
     */
    MetricSummary summary(String metric, String slice) {
        if (slice == null) {
            return metrics.get(metric);
        }
        for (SliceSummary s : slices) {
            if (s.slice().equals(slice)) {
                return s.metrics().get(metric);
            }
        }
        return null;
    }

    /**
     * Returns one number.
     *
     * @param metric any metric of {@link MetricNames#ALL}
     * @param aggregate the aggregate of a summary metric (ignored for scalars)
     * @param slice a slice label or null (ignored for scalars)
     * @return the value, or null when this checkpoint does not have it
     */
    Double value(String metric, String aggregate, String slice) {
        switch (metric) {
            case "trainable_fraction":
                return trainableFraction;
            case "global_relative_l2":
                return globalRelativeL2;
            case "train_loss", "validate_loss":
                return taskMetrics.get(metric);
            default:
                MetricSummary s = summary(metric, slice);
                return s == null ? null : aggregate(s, aggregate);
        }
    }

    /**
     * Picks an aggregate of a summary.
     *
     * @param s the summary
     * @param aggregate one of {@link MetricNames#AGGREGATES}
     * @return its value
     */
    static double aggregate(MetricSummary s, String aggregate) {
        return Statistic.byName(aggregate).orElse(Statistic.MEAN).of(s);
    }
}
