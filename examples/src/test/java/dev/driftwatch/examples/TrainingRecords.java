package dev.driftwatch.examples;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TopExample;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Report records shaped like the listener's: valid per the contract, with slices, top examples and tensors. */
final class TrainingRecords {

    private static final String FINGERPRINT = "0123456789abcdef".repeat(4);

    private TrainingRecords() {}

    static RunInfo run(String runKey) {
        return new RunInfo(runKey, "streaming test " + runKey, "full", List.of("streaming-test"), FINGERPRINT,
                FINGERPRINT, 109_386, 109_386, 1.0, Map.of("learningRate", "0.01"), Instant.now());
    }

    static CheckpointReport checkpoint(String runKey, long step) {
        // grows and levels off below 0.1, so that js = kl / 4 and every quantile stay within the contract
        double kl = 0.1 * (1 - Math.exp(-step / 500.0));
        Map<String, MetricSummary> metrics = Map.of(
                Metric.KL_BASE_FT.wireName(), summary(kl),
                Metric.JS.wireName(), summary(kl / 4),
                Metric.TOP1_AGREE.wireName(), new MetricSummary(600, 0.9, 1, 1, 1, 1, 0.88, 0.92));
        List<SliceSummary> slices = List.of(
                new SliceSummary("on-task", 300, Map.of(Metric.KL_BASE_FT.wireName(), summary(kl * 1.5))),
                new SliceSummary("off-task/general", 300, Map.of(Metric.KL_BASE_FT.wireName(), summary(kl / 2))));
        ParameterDrift params = new ParameterDrift(109_386, 109_386, 1.0, 0.001 * step, List.of(
                new TensorDrift("01Linear_weight", true, false, 100_352, 0.01 * step, 11.2, 0.001 * step, null)));
        return new CheckpointReport(runKey, step, (int) (step / 100), Instant.now(), true, null, "exact", 1.0, 600,
                metrics, slices, List.of(new TopExample("test-" + step, "on-task", Metric.KL_BASE_FT.wireName(), kl * 3)),
                params, Map.of("train_loss", 1.0 / (1 + step)));
    }

    static RunEnd end(String runKey) {
        return new RunEnd(runKey, "completed", Instant.now());
    }

    private static MetricSummary summary(double mean) {
        return new MetricSummary(600, mean, mean * 0.5, mean * 2, mean * 3, mean * 4, mean * 0.9, mean * 1.1);
    }
}
