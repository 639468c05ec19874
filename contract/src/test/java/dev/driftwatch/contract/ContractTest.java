package dev.driftwatch.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContractTest {

    private static MetricSummary summary(double mean) {
        return new MetricSummary(10, mean, mean, mean, mean, mean, mean * 0.9, mean * 1.1);
    }

    private static CheckpointReport checkpoint(Map<String, MetricSummary> metrics) {
        return new CheckpointReport("run-1", 5, 0, Instant.parse("2026-11-27T08:00:00Z"), true, null, "exact", 1.0,
                10, metrics, List.of(new SliceSummary("on-task", 10, metrics)),
                List.of(new TopExample("p-1", "on-task", "kl_newer", 3.0)),
                new ParameterDrift(100, 10, 0.1, 0.01, List.of(new TensorDrift("w", true, false, 10, 1, 2, 0.5, null))),
                Map.of("train_loss", 0.4));
    }

    @Test
    void everyRecordRoundTripsThroughItsLineIncludingUnknownMetrics() {
        Map<String, MetricSummary> metrics = new LinkedHashMap<>();
        metrics.put("kl_newer", summary(-1)); // a newer plugin's metric: carried, not judged
        metrics.put("js", summary(0.1));
        metrics.put("kl_base_ft", new MetricSummary(10, 0.2, 0.2, 0.2, 0.2, 0.2, 0.18, 0.22, 1.5, 0.003));
        metrics.put("tv", new MetricSummary(10, 0.2, 0.2, 0.2, 0.2, 0.2, 0.18, 0.22, 4.0, null));
        CheckpointReport c = checkpoint(metrics);
        RunInfo run = new RunInfo("run-1", "name", "lora", List.of("a"), "f".repeat(64), "e".repeat(64), 100, 10, 1.5,
                Map.of("lr", "0.1"), Instant.parse("2026-11-27T07:00:00Z"));
        RunEnd end = new RunEnd("run-1", "completed", Instant.parse("2026-11-27T09:00:00Z"));
        for (WireRecord r : List.of(run, c, end)) {
            assertThat(WireJson.fromLine(WireJson.toLine(r))).isEqualTo(r);
        }
        // known metrics first in enum order, unknown after them, in the records and on the wire
        assertThat(c.metrics().keySet()).containsExactly("kl_base_ft", "js", "tv", "kl_newer");
        assertThat(WireJson.toLine(c)).contains("\"metrics\":{\"kl_base_ft\":{\"count\":10,\"mean\":0.2,\"p50\"");
        // the optional diagnostics travel when present and are left out when absent
        assertThat(WireJson.toLine(c)).contains("\"ciHigh\":0.22,\"tailIndex\":1.5,\"samplingStdError\":0.003}")
                .contains("\"ciHigh\":0.22,\"tailIndex\":4.0}");
        assertThat(c.headline().hasHeavyTail()).isTrue();
        assertThat(c.metrics().get("tv").hasHeavyTail()).isFalse();
        assertThat(c.metrics().get("js").hasHeavyTail()).isFalse();
        assertThat(c.headline().mean()).isEqualTo(0.2);
        assertThat(c.taskLoss()).isEqualTo(0.4);
    }

    @Test
    void metricsCarryNameUnitDirectionAndRange() {
        assertThat(Metric.allWireNames()).startsWith("kl_base_ft", "kl_ft_base", "js", "tv", "top1_agree",
                "entropy_base", "entropy_ft", "kl_base_ft_seq", "kl_ft_base_seq");
        assertThat(Metric.byName("js")).contains(Metric.JS);
        assertThat(Metric.byName("kl_newer")).isEmpty();
        assertThat(Metric.KL_BASE_FT_SEQ.unit().symbol()).isEqualTo("nats/sequence");
        assertThat(Metric.TOP1_AGREE.direction()).isEqualTo(Metric.Direction.LOWER_IS_MORE_DRIFT);
        assertThat(Metric.measured(false, false)).doesNotContain(Metric.KL_BASE_FT_SEQ, Metric.FORGETTING).hasSize(7);
        assertThat(Metric.measured(true, false)).contains(Metric.KL_BASE_FT_SEQ).hasSize(9);
        assertThat(Metric.measured(true, true)).hasSize(Metric.values().length - Metric.needing(Metric.Needs.SAMPLES).size());
        assertThat(Metric.FORGETTING.range().violation(-3.5)).isNull();
        assertThat(Metric.ACCURACY_DROP.range().violation(-1.5)).isEqualTo("must be in [-1, 1]");

        assertThat(Metric.JS.range().violation(Math.log(2) * (1 + 1e-10))).isNull();
        assertThat(Metric.JS.range().violation(0.7)).isEqualTo("must be <= ln 2");
        assertThat(Metric.JS.range().violation(-0.1)).isEqualTo("must be a finite number >= 0");
        assertThat(Metric.TV.range().violation(1.01)).isEqualTo("must be in [0, 1]");
        assertThat(Metric.TOP1_AGREE.range().violation(-0.01)).isEqualTo("must be in [0, 1]");
        assertThat(Metric.ENTROPY_FT.range().contains(12.5)).isTrue();
        assertThat(Metric.KL_FT_BASE.range().violation(-1e-3)).isEqualTo("must be a finite number >= 0");

        assertThat(Metric.isWellFormed("kl_newer_2")).isTrue();
        assertThat(Metric.isWellFormed("KL-newer")).isFalse();
        assertThat(Metric.isWellFormed("a".repeat(65))).isFalse();
    }

    @Test
    void statisticsKnowTheirStoredPosition() {
        MetricSummary s = new MetricSummary(7, 1, 2, 3, 4, 5, 6, 7);
        for (Statistic stat : Statistic.values()) {
            assertThat(stat.of(s)).isEqualTo(stat.storedIndex());
        }
        assertThat(Statistic.byName("ciLow")).contains(Statistic.CI_LOW);
        assertThat(Statistic.byName("count")).isEmpty();
    }

    @Test
    void runKeyRule() {
        assertThat(RunKey.isValid("fmnist:full-1.a_b")).isTrue();
        assertThat(RunKey.isValid("a".repeat(128))).isTrue();
        assertThat(RunKey.isValid("a".repeat(129))).isFalse();
        assertThat(RunKey.isValid("has space")).isFalse();
        assertThat(RunKey.isValid("")).isFalse();
        assertThat(RunKey.isValid(null)).isFalse();
        assertThatThrownBy(() -> RunKey.require("a/b")).hasMessageContaining(RunKey.RULE);
        // a URL path normalises the two dot segments away: /runs/.. is the project
        assertThat(RunKey.isValid(".")).isFalse();
        assertThat(RunKey.isValid("..")).isFalse();
        assertThat(RunKey.isValid("...")).isTrue();
        assertThat(RunKey.isValid(".a")).isTrue();
        assertThatThrownBy(() -> RunKey.require("..")).hasMessageContaining("not be . or ..");
    }

    @Test
    void versionsOfTheSameMajorAreAccepted() {
        assertThat(ContractVersion.isAccepted(null)).isTrue();
        assertThat(ContractVersion.isAccepted(ContractVersion.CURRENT)).isTrue();
        assertThat(ContractVersion.isAccepted("1.0")).isTrue();
        assertThat(ContractVersion.isAccepted("1.42")).isTrue();
        assertThat(ContractVersion.isAccepted("2.0")).isFalse();
        assertThat(ContractVersion.isAccepted("1")).isFalse();
        assertThat(ContractVersion.isAccepted("1.x")).isFalse();
    }
}
