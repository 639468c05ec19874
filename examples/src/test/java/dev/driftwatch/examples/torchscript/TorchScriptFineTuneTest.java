package dev.driftwatch.examples.torchscript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.WireRecord;
import dev.driftwatch.examples.demo.RunResult;
import dev.driftwatch.examples.lm.FortuneCorpus;
import dev.driftwatch.examples.lm.LmConfig;
import dev.driftwatch.examples.lm.LmTask;
import dev.driftwatch.plugin.sink.JsonLinesFileSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "bring your own exported model" path end to end: Debian's python3-torch writes a GPT-2-like LM with
 * random weights to TorchScript, DJL (another libtorch) loads it as a {@code PtSymbolBlock} and fine-tunes
 * it on the fortunes corpus with the drift listener attached, whose reports go to a JSON-lines file that
 * this test reads back.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TorchScriptFineTuneTest {

    @TempDir
    static Path work;

    private static LmTask task;
    private static TinyGptExport.Exported exported;
    private static RunResult result;
    private static List<WireRecord> records;

    @BeforeAll
    static void exportAndFineTune() throws IOException {
        LmConfig config = TorchScriptFineTune.config();
        String python = TinyGptExport.findPython().orElse(null);
        boolean corpus = FortuneCorpus.isAvailable(config.corpusDir(), config.neededCategories());
        if ((python == null || !corpus) && "true".equals(System.getenv("CI"))) {
            fail("CI must run this test: " + (python == null ? "no Python imports torch (Debian package "
                    + TinyGptExport.DEBIAN_PACKAGE + ")" : "the fortunes corpus is missing from " + config.corpusDir()));
        }
        Assumptions.assumeTrue(python != null, () -> "skipped: no Python with PyTorch (tried $"
                + TinyGptExport.PYTHON_ENV + ", /usr/bin/python3, python3; apt-get install "
                + TinyGptExport.DEBIAN_PACKAGE + ")");
        Assumptions.assumeTrue(corpus, () -> "skipped: the fortunes corpus is not in " + config.corpusDir()
                + " (apt-get install " + FortuneCorpus.DEBIAN_PACKAGE + ")");

        task = LmTask.of(FortuneCorpus.load(config.corpusDir()), config);
        exported = TinyGptExport.export(python, work.resolve("model"), task.vocabulary().size(), config.context(),
                config.width(), config.heads(), config.depth(), config.seed());
        Path file = work.resolve("drift.jsonl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            result = TorchScriptFineTune.run(exported.file(), task, "torchscript-test",
                    List.of(new JsonLinesFileSink(file)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        } finally {
            System.out.println("exported with PyTorch " + exported.torchVersion() + ": " + exported.parameters()
                    + " parameters\n" + bytes.toString(StandardCharsets.UTF_8));
        }
        records = Files.readAllLines(file).stream().map(WireJson::fromLine).toList();
    }

    @Test
    void djlComputesTheLogitsPythonComputedForTheSameFile() {
        try (Model model = Model.newInstance("check", "PyTorch"); NDManager manager = NDManager.newBaseManager()) {
            model.load(exported.file().getParent(), TinyGptExport.MODEL_NAME);
            long[] tokens = exported.sampleTokens();
            NDArray logits = model.getBlock().forward(new ParameterStore(manager, false),
                    new NDList(manager.create(tokens, new Shape(1, tokens.length))), false).head();
            assertThat(logits.getShape()).isEqualTo(new Shape(1, tokens.length, task.vocabulary().size()));
            int v = exported.sampleVocabulary();
            float[] djl = logits.get(":, :, :" + v).toFloatArray();
            float[] python = exported.sampleLogits();
            assertThat(djl).hasSameSizeAs(python);
            double worst = 0;
            for (int i = 0; i < djl.length; i++) {
                worst = Math.max(worst, Math.abs(djl[i] - python[i]));
            }
            System.out.printf("largest logit difference, libtorch of DJL vs PyTorch %s: %.3g (logits up to %.3g)%n",
                    exported.torchVersion(), worst, logits.abs().max().getFloat());
            assertThat(worst).as("largest difference of %d logits", djl.length).isLessThan(1e-4);
        } catch (IOException | ai.djl.MalformedModelException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theListenerMeasuredKlGrowingFromZero() {
        List<CheckpointReport> checkpoints = checkpoints();
        assertThat(checkpoints).extracting(CheckpointReport::step).containsExactly(0L, 10L, 20L, 30L, 40L);
        double previous = -1;
        for (CheckpointReport c : checkpoints) {
            assertThat(c.valid()).as("step %d: %s", c.step(), c.invalidReason()).isTrue();
            assertThat(c.probeCount()).isEqualTo(task.probes().size());
            MetricSummary kl = c.metrics().get(Metric.KL_BASE_FT.wireName());
            assertThat(kl.mean()).as("KL(base||ft) at step %d", c.step()).isFinite().isGreaterThan(previous);
            previous = kl.mean();
        }
        assertThat(checkpoints.get(0).metrics().get(Metric.KL_BASE_FT.wireName()).mean()).isCloseTo(0,
                Offset.offset(1e-6));
        assertThat(previous).as("KL at the last step").isGreaterThan(1e-3);
        // the top drifting examples read as text
        assertThat(checkpoints.get(checkpoints.size() - 1).topExamples()).isNotEmpty()
                .allSatisfy(e -> assertThat(e.tokens()).isNotNull());
        RunInfo run = (RunInfo) records.get(0);
        assertThat(run.totalParameters()).isEqualTo(exported.parameters());
        assertThat(((RunEnd) records.get(records.size() - 1)).status()).isEqualTo("completed");
    }

    @Test
    void theFirstBlockStayedFrozenAndEverythingElseMoved() {
        CheckpointReport last = checkpoints().get(checkpoints().size() - 1);
        List<TensorDrift> tensors = last.parameters().tensors();
        assertThat(tensors).extracting(TensorDrift::name).containsExactlyInAnyOrderElementsOf(exported.tensors());
        long frozen = 0;
        for (TensorDrift t : tensors) {
            if (t.name().startsWith(TorchScriptFineTune.FROZEN_PREFIX)) {
                assertThat(t.trainable()).as(t.name()).isFalse();
                assertThat(t.deltaL2()).as(t.name()).isZero();
                frozen += t.size();
            } else {
                assertThat(t.trainable()).as(t.name()).isTrue();
                assertThat(t.deltaL2()).as(t.name()).isPositive();
            }
        }
        // one GPT-2 block of width d: two layer norms (4d), qkv (3d^2 + 3d), proj (d^2 + d), MLP (8d^2 + 5d)
        long d = TorchScriptFineTune.config().width();
        assertThat(frozen).isEqualTo(12 * d * d + 13 * d);
        assertThat(last.parameters().trainableFraction()).isCloseTo(
                (double) (exported.parameters() - frozen) / exported.parameters(), Offset.offset(1e-12));
        assertThat(last.parameters().globalRelativeL2()).isPositive();
        assertThat(result.trainableFraction()).isEqualTo(last.parameters().trainableFraction());
    }

    @Test
    void fineTuningLowersTheValidationLoss() {
        List<CheckpointReport> checkpoints = checkpoints();
        double first = checkpoints.get(1).taskMetrics().get("validate_loss");
        double last = checkpoints.get(checkpoints.size() - 1).taskMetrics().get("validate_loss");
        // a random model starts near ln V nats/token
        assertThat(first).isLessThan(Math.log(task.vocabulary().size()) + 1);
        assertThat(last).isLessThan(first);
        assertThat(result.validateLoss()).isEqualTo((float) last, Offset.offset(1e-5));
    }

    private static List<CheckpointReport> checkpoints() {
        return records.stream().filter(CheckpointReport.class::isInstance).map(CheckpointReport.class::cast).toList();
    }
}
