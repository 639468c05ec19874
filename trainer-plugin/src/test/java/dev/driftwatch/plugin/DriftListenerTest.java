package dev.driftwatch.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.plugin.sink.JsonLinesFileSink;
import dev.driftwatch.plugin.testing.RecordingSink;
import dev.driftwatch.plugin.testing.SmallModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class DriftListenerTest {

    @TempDir
    Path dir;

    @Test
    void measuresZeroAtStartAndGrowingDriftAfterwards() throws Exception {
        RecordingSink sink = new RecordingSink();
        Path jsonl = dir.resolve("drift.jsonl");
        DriftListener drift = DriftListener.builder()
                .setProbeSet(SmallModels.probes(64))
                .optRunKey("test-run")
                .optEveryNSteps(8)
                .addSink(sink)
                .addSink(new JsonLinesFileSink(jsonl))
                .build();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 2, 1, t -> {}, drift);
        }
        assertThat(sink.runs).hasSize(1);
        assertThat(sink.runs.get(0).baseFingerprint()).hasSize(64);
        assertThat(sink.runs.get(0).method()).isEqualTo("full");
        List<CheckpointReport> cps = sink.checkpoints;
        assertThat(cps).extracting(CheckpointReport::step).containsExactly(0L, 8L, 16L, 24L, 32L);
        assertThat(cps).allMatch(CheckpointReport::valid);
        CheckpointReport first = cps.get(0);
        assertThat(first.headline().mean()).isZero();
        assertThat(first.headline().max()).isZero();
        assertThat(first.metrics().get(Metric.TOP1_AGREE.wireName()).mean()).isEqualTo(1.0);
        CheckpointReport last = cps.get(cps.size() - 1);
        assertThat(last.headline().mean()).isGreaterThan(0.01);
        assertThat(last.headline().ciLow()).isLessThanOrEqualTo(last.headline().mean());
        assertThat(last.headline().ciHigh()).isGreaterThanOrEqualTo(last.headline().mean());
        assertThat(last.metrics().get(Metric.JS.wireName()).max()).isLessThanOrEqualTo(Math.log(2));
        assertThat(last.slices()).extracting(s -> s.slice()).containsExactly("on-task", "off-task/general");
        assertThat(last.topExamples()).hasSize(10);
        assertThat(last.parameters().globalRelativeL2()).isGreaterThan(0);
        assertThat(last.taskMetrics()).containsKey("train_loss");
        // the running loss between epochs under the same name as at an epoch's end, whatever the loss's class
        assertThat(cps.get(1).taskMetrics()).containsKey("train_loss").doesNotContainKey("train_softmaxcrossentropyloss");
        assertThat(sink.ends).extracting(e -> e.status()).containsExactly("completed");

        List<String> lines = Files.readAllLines(jsonl);
        assertThat(lines).hasSize(1 + cps.size() + 1);
        CheckpointReport back = (CheckpointReport) WireJson.fromLine(lines.get(lines.size() - 2));
        assertThat(back.headline()).isEqualTo(last.headline());
    }
}
