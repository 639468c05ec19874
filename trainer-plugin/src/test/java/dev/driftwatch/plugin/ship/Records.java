package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small valid report records for the shipping tests. */
final class Records {

    static final String FINGERPRINT = "ab".repeat(32);

    private Records() {}

    static RunInfo run(String runKey) {
        return new RunInfo(runKey, "test run " + runKey, "full", List.of("test"), FINGERPRINT, FINGERPRINT, 1000, 1000,
                1.0, Map.of("learningRate", "0.01"), Instant.parse("2026-11-27T08:00:00Z"));
    }

    static CheckpointReport checkpoint(String runKey, long step) {
        double kl = 0.01 * step;
        MetricSummary s = new MetricSummary(10, kl, kl, kl, kl, kl, kl, kl);
        return new CheckpointReport(runKey, step, 0, Instant.parse("2026-11-27T08:00:00Z").plusSeconds(step), true, null,
                "exact", 1.0, 10, Map.of(Metric.KL_BASE_FT.wireName(), s), List.of(), List.of(), null,
                Map.of("train_loss", 1.0 / (step + 1)));
    }

    /** A checkpoint with {@code tensors} parameter tensors (as a large model sends: ~200 bytes of JSON each). */
    static CheckpointReport checkpointWithTensors(String runKey, long step, int tensors) {
        CheckpointReport c = checkpoint(runKey, step);
        List<TensorDrift> drift = new java.util.ArrayList<>(tensors);
        for (int i = 0; i < tensors; i++) {
            drift.add(new TensorDrift("encoder.layers." + i + ".attention.output.dense.weight", true, false, 262144,
                    0.001 * i, 12.5, 0.001 * i / 12.5, 17.25));
        }
        return new CheckpointReport(c.runKey(), c.step(), c.epoch(), c.time(), c.valid(), c.invalidReason(),
                c.approximation(), c.temperature(), c.probeCount(), c.metrics(), c.slices(), c.topExamples(),
                new ParameterDrift(1000, 1000, 1.0, 0.01, drift), c.taskMetrics());
    }

    static RunEnd end(String runKey) {
        return new RunEnd(runKey, "completed", Instant.parse("2026-11-27T09:00:00Z"));
    }
}
