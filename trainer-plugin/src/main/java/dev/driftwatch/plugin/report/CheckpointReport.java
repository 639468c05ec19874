package dev.driftwatch.plugin.report;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything measured at one checkpoint of a run. {@code (runKey, step)} is its idempotency key.
 *
 * @param runKey the client-chosen run key
 * @param step the global training step (batches seen)
 * @param epoch the epoch the step belongs to
 * @param time when it was measured
 * @param valid false when the model output had NaN or Inf; the metrics are then empty
 * @param invalidReason why it is invalid, or null
 * @param approximation {@code exact}, {@code topk(k)} when the base was kept as its top-k classes and
 *     tail mass, {@code topk(k)+tail(m)} with m sampled tail classes as well
 * @param temperature the softmax temperature of the measurement
 * @param probeCount number of probe examples measured
 * @param metrics aggregates keyed by metric name ({@link Metrics})
 * @param slices the same aggregates per probe slice
 * @param topExamples the examples that drifted most, by descending value
 * @param parameters parameter drift, or null when not measured at this checkpoint
 * @param taskMetrics the trainer's own metrics, e.g. {@code train_loss}, {@code validate_accuracy}
 */
public record CheckpointReport(
        String runKey,
        long step,
        int epoch,
        Instant time,
        boolean valid,
        String invalidReason,
        String approximation,
        double temperature,
        int probeCount,
        Map<String, MetricSummary> metrics,
        List<SliceSummary> slices,
        List<TopExample> topExamples,
        ParameterDrift parameters,
        Map<String, Double> taskMetrics) {

    /** Copies the collections so the record stays immutable. */
    public CheckpointReport {
        metrics = Map.copyOf(metrics);
        slices = List.copyOf(slices);
        topExamples = List.copyOf(topExamples);
        taskMetrics = Map.copyOf(taskMetrics);
    }

    /**
     * Returns the headline aggregate (KL(base || fine-tuned)), or null for an invalid checkpoint.
     *
     * @return the headline summary or null
     */
    public MetricSummary headline() {
        return metrics.get(Metrics.HEADLINE);
    }
}
