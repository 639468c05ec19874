package dev.driftwatch.examples.demo;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.MetricSummary;

/**
 * What one fine-tuning run ended with.
 *
 * @param method how it fine-tuned, as the service knows it ({@code full}, {@code lora}, ...)
 * @param runKey the run's key on the service
 * @param trainableFraction trainable / total parameters
 * @param validateLoss the final on-task validation loss
 * @param validateAccuracy the final on-task validation accuracy
 * @param last the final drift checkpoint (null when none was measured)
 */
public record RunResult(String method, String runKey, double trainableFraction, double validateLoss,
        double validateAccuracy, CheckpointReport last) {

    /**
     * Returns the final headline drift.
     *
     * @return KL(base||ft) over the whole probe set, with its CI; null when not measured
     */
    public MetricSummary headline() {
        return last == null ? null : last.headline();
    }
}
