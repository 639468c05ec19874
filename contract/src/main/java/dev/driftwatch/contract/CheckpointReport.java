package dev.driftwatch.contract;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything measured at one checkpoint of a run. {@code (runKey, step)} is its idempotency key.
 *
 * @param runKey the client-chosen run key ({@link RunKey})
 * @param step the global training step (batches seen)
 * @param epoch the epoch the step belongs to
 * @param time when it was measured
 * @param valid false when the model output had NaN or Inf; the metrics are then empty
 * @param invalidReason why it is invalid, or null
 * @param approximation {@code exact}, {@code topk(k)} when the base was kept as its top-k classes and
 *     tail mass, {@code topk(k)+tail(m)} with m sampled tail classes as well
 * @param temperature the softmax temperature of the measurement
 * @param probeCount number of probe examples measured
 * @param metrics aggregates keyed by metric wire name ({@link Metric}; a newer plugin may send names this
 *     contract does not know)
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
        Map<String, Double> taskMetrics) implements WireRecord {

    /** The {@code "type"} tag of a checkpoint line. */
    public static final String TYPE = "checkpoint";
    /**
     * The largest step, 2^53 - 1: the largest integer a JSON reader such as the browser's (JavaScript numbers)
     * holds exactly. The service refuses steps beyond it.
     */
    public static final long MAX_STEP = (1L << 53) - 1;
    /** The most slices of one checkpoint a service takes by default ({@code driftwatch.ingest.max-slices}). */
    public static final int DEFAULT_MAX_SLICES = 512;
    /** The most top examples of one checkpoint a service takes by default ({@code driftwatch.ingest.max-top-examples}). */
    public static final int DEFAULT_MAX_TOP_EXAMPLES = 1000;
    /** The most parameter tensors of one checkpoint a service takes by default ({@code driftwatch.ingest.max-tensors}). */
    public static final int DEFAULT_MAX_TENSORS = 10_000;
    /** The most task metrics one checkpoint carries; the service refuses more. */
    public static final int MAX_TASK_METRICS = 64;
    /** The longest task metric name, in characters; the service refuses longer. */
    public static final int MAX_TASK_METRIC_NAME = 64;
    /** The task metric a trainer reports for its training loss. */
    public static final String TRAIN_LOSS = "train_loss";
    /** The task metric a trainer reports for its validation loss. */
    public static final String VALIDATE_LOSS = "validate_loss";

    /**
     * Copies the collections so the record stays immutable (metrics keep their order).
     *
     * @param runKey the client-chosen run key
     * @param step the global training step
     * @param epoch the epoch the step belongs to
     * @param time when it was measured
     * @param valid false when the model output had NaN or Inf
     * @param invalidReason why it is invalid, or null
     * @param approximation how the base was kept
     * @param temperature the softmax temperature of the measurement
     * @param probeCount number of probe examples measured
     * @param metrics aggregates keyed by metric wire name
     * @param slices the same aggregates per probe slice
     * @param topExamples the examples that drifted most
     * @param parameters parameter drift, or null
     * @param taskMetrics the trainer's own metrics
     */
    public CheckpointReport {
        metrics = WireJson.orderedCopy(metrics);
        slices = List.copyOf(slices);
        topExamples = List.copyOf(topExamples);
        taskMetrics = Collections.unmodifiableMap(new LinkedHashMap<>(taskMetrics));
    }

    /**
     * Returns the headline aggregate (KL(base || fine-tuned)), or null for an invalid checkpoint.
     *
     * @return the headline summary or null
     */
    public MetricSummary headline() {
        return metrics.get(Metric.HEADLINE.wireName());
    }

    /**
     * Returns the task loss used to compare runs: validation loss when present, else training loss.
     *
     * @return the loss, or null
     */
    public Double taskLoss() {
        Double v = taskMetrics.get(VALIDATE_LOSS);
        return v != null ? v : taskMetrics.get(TRAIN_LOSS);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
