package dev.driftwatch.plugin.ship;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TokenDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.WireRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The send queue's size estimate against the record as it is written ({@link WireJson#toLine}, in UTF-8 bytes): at
 * least the written size and at most a few times it, for every kind of record and the parts that make large ones
 * (tensors, slices, top examples with their tokens).
 */
class WireSizeTest {

    @Test
    void theEstimateIsAtLeastTheWrittenSizeAndAtMostFourTimesIt() {
        List<WireRecord> records = List.of(
                Records.run("run-1"),
                runWithConfig(),
                Records.end("run-1"),
                Records.checkpoint("run-1", 3),
                Records.checkpointWithTensors("run-1", 4, 10),
                Records.checkpointWithTensors("run-1", 5, 5000),
                languageModelCheckpoint(new Random(1), 0.5),
                languageModelCheckpoint(new Random(2), 1e-300));
        for (WireRecord r : records) {
            long written = WireJson.toLine(r).getBytes(StandardCharsets.UTF_8).length;
            assertThat(WireSize.of(r)).as("%s of %d bytes", r.getClass().getSimpleName(), written)
                    .isBetween(written, 4 * written);
        }
    }

    private static RunInfo runWithConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        for (int i = 0; i < 64; i++) {
            config.put("option." + i, "value ".repeat(i));
        }
        RunInfo r = Records.run("run-2");
        return new RunInfo(r.runKey(), r.name(), r.method(), List.of("lora", "fortunes", "rank-8"),
                r.baseFingerprint(), r.probeFingerprint(), r.totalParameters(), r.trainableParameters(),
                r.temperature(), config, r.startedAt());
    }

    /** Every metric, over all probes and 8 slices, 10 top examples with 32 tokens each, 300 tensors. */
    private static CheckpointReport languageModelCheckpoint(Random random, double scale) {
        Map<String, MetricSummary> metrics = new LinkedHashMap<>();
        for (Metric m : Metric.measured(true, true)) {
            metrics.put(m.wireName(), summary(random, scale));
        }
        List<SliceSummary> slices = new ArrayList<>();
        for (int s = 0; s < 8; s++) {
            Map<String, MetricSummary> per = new LinkedHashMap<>();
            for (Metric m : Metric.measured(true, true)) {
                per.put(m.wireName(), summary(random, scale));
            }
            slices.add(new SliceSummary("off-task/category-" + s, 40 + s, per));
        }
        List<TopExample> top = new ArrayList<>();
        for (int e = 0; e < 10; e++) {
            List<String> tokens = new ArrayList<>();
            List<Double> kl = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                tokens.add(t % 5 == 0 ? "computer" : "é" + t);
                kl.add(random.nextDouble() * scale);
            }
            List<TokenDrift.Position> worst = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                List<TokenDrift.Choice> base = new ArrayList<>();
                List<TokenDrift.Choice> ft = new ArrayList<>();
                for (int k = 0; k < 5; k++) {
                    base.add(new TokenDrift.Choice("token" + k, random.nextDouble(), random.nextDouble()));
                    ft.add(new TokenDrift.Choice("other" + k, random.nextDouble(), random.nextDouble()));
                }
                worst.add(new TokenDrift.Position(w * 7, random.nextDouble() * scale, base, ft));
            }
            top.add(new TopExample("fortune-" + e, "on-task", Metric.KL_BASE_FT.wireName(),
                    random.nextDouble() * scale, new TokenDrift(tokens, kl, worst)));
        }
        List<TensorDrift> tensors = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            tensors.add(new TensorDrift("blocks." + i / 12 + ".attention.query.weight", i % 3 == 0, false, 262144,
                    random.nextDouble() * scale, 12.5, random.nextDouble(), 1 + random.nextDouble() * 100));
        }
        Map<String, Double> task = Map.of("train_loss", random.nextDouble(), "validate_loss", random.nextDouble(),
                "train_accuracy", random.nextDouble());
        return new CheckpointReport("fortunes-lora", 1200, 3, Instant.parse("2026-12-03T10:00:00Z"), true, null,
                "topk(64)+tail(192)", 1.0, 120, metrics, slices, top,
                new ParameterDrift(58_000_000, 200_000, 0.0034, random.nextDouble(), tensors), task);
    }

    private static MetricSummary summary(Random random, double scale) {
        double[] v = new double[6];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextDouble() * scale;
        }
        java.util.Arrays.sort(v);
        return new MetricSummary(120, v[2], v[1], v[3], v[4], v[5], v[0], v[5], 2.5 + random.nextDouble(),
                random.nextDouble() * scale);
    }
}
