package dev.driftwatch.monitor.ingest;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One validated checkpoint of an upload (the wire object of docs/api/ingestion.md).
 *
 * @param step training step, the idempotency key within the run
 * @param epoch epoch
 * @param time when it was measured
 * @param valid false when the model output had NaN/Inf
 * @param invalidReason why it is invalid, or null
 * @param approximation {@code exact}, {@code topk(k)} or {@code topk(k)+tail(m)}
 * @param temperature softmax temperature (the run's when the upload left it out)
 * @param probeCount probe examples measured
 * @param metrics summaries by metric name, in upload order
 * @param slices per-slice summaries, in upload order
 * @param topExamples the most drifting examples, in upload order
 * @param parameters parameter drift, or null
 * @param taskMetrics the trainer's metrics by name
 */
public record CheckpointData(
        long step,
        int epoch,
        Instant time,
        boolean valid,
        String invalidReason,
        String approximation,
        double temperature,
        int probeCount,
        Map<String, Summary> metrics,
        List<Slice> slices,
        List<TopExample> topExamples,
        Parameters parameters,
        Map<String, Double> taskMetrics) {

    /** Name of the headline metric, KL(base || fine-tuned) in nats/token. */
    public static final String HEADLINE = "kl_base_ft";

    /**
     * Per-slice summaries.
     *
     * @param slice the slice label
     * @param count examples in the slice
     * @param metrics summaries by metric name
     */
    public record Slice(String slice, long count, Map<String, Summary> metrics) {}

    /**
     * One of the most drifting examples.
     *
     * @param probeId the probe example's id
     * @param slice its slice
     * @param metric the metric it was ranked by
     * @param value its value
     */
    public record TopExample(String probeId, String slice, String metric, double value) {}

    /**
     * Parameter drift of the whole model.
     *
     * @param totalParameters parameter elements
     * @param trainableParameters trainable elements
     * @param trainableFraction trainable / total
     * @param globalRelativeL2 relative L2 drift over trainable weights
     * @param tensors per-tensor drift
     */
    public record Parameters(long totalParameters, long trainableParameters, double trainableFraction,
            double globalRelativeL2, List<Tensor> tensors) {}

    /**
     * Drift of one parameter tensor.
     *
     * @param name tensor name, unique within the checkpoint
     * @param trainable whether it is trained
     * @param buffer whether it is a buffer (e.g. BatchNorm running stats) rather than a weight
     * @param size number of elements
     * @param deltaL2 {@code ||theta - theta0||_2}
     * @param baseL2 {@code ||theta0||_2}
     * @param relative {@code deltaL2 / baseL2}
     * @param stableRank stable rank of the update, or null
     */
    public record Tensor(String name, boolean trainable, boolean buffer, long size, double deltaL2, double baseL2,
            double relative, Double stableRank) {}

    /**
     * Returns the headline summary.
     *
     * @return the kl_base_ft summary, or null for an invalid checkpoint
     */
    public Summary headline() {
        return metrics.get(HEADLINE);
    }

    /**
     * Returns the task loss used to compare runs: validation loss when present, else training loss.
     *
     * @return the loss, or null
     */
    public Double taskLoss() {
        Double v = taskMetrics.get("validate_loss");
        return v != null ? v : taskMetrics.get("train_loss");
    }
}
