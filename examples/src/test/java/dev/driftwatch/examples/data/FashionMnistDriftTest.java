package dev.driftwatch.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.plugin.DriftListener;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.sink.JsonLinesFileSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A base trained on Fashion-MNIST classes 0-4, fine-tuned on classes 5-9: full fine-tuning must drift
 * further from the base than head-only fine-tuning, with non-overlapping confidence intervals.
 */
@Timeout(300)
class FashionMnistDriftTest {

    @TempDir
    Path dir;

    private static Block mlp() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(128).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(64).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    /** The examples of a split whose label passes the filter, as a dataset. */
    private static ArrayDataset subset(NDManager m, FashionMnist.Split split, IntPredicate labels) {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < split.count(); i++) {
            if (labels.test(split.labels()[i])) {
                keep.add(i);
            }
        }
        float[] x = new float[keep.size() * FashionMnist.PIXELS];
        float[] y = new float[keep.size()];
        for (int k = 0; k < keep.size(); k++) {
            System.arraycopy(split.images(), keep.get(k) * FashionMnist.PIXELS, x, k * FashionMnist.PIXELS,
                    FashionMnist.PIXELS);
            y[k] = split.labels()[keep.get(k)];
        }
        return new ArrayDataset.Builder()
                .setData(m.create(x, new Shape(keep.size(), FashionMnist.PIXELS)))
                .optLabels(m.create(y, new Shape(keep.size())))
                .setSampling(64, false)
                .build();
    }

    private static ProbeSet probes(FashionMnist.Split test) {
        // 250 test images of the new classes (on-task) and 250 of the base's classes (off-task)
        float[] x = new float[500 * FashionMnist.PIXELS];
        List<String> ids = new ArrayList<>();
        List<String> slices = new ArrayList<>();
        int onTask = 0;
        int offTask = 0;
        for (int i = 0; i < test.count() && ids.size() < 500; i++) {
            boolean isNew = test.labels()[i] >= 5;
            if (isNew ? onTask == 250 : offTask == 250) {
                continue;
            }
            System.arraycopy(test.images(), i * FashionMnist.PIXELS, x, ids.size() * FashionMnist.PIXELS,
                    FashionMnist.PIXELS);
            ids.add("t10k-" + i);
            slices.add(isNew ? "on-task" : "off-task/base-classes");
            if (isNew) {
                onTask++;
            } else {
                offTask++;
            }
        }
        return ProbeSet.builder().addInput("image", x, new Shape(FashionMnist.PIXELS))
                .optIds(ids).optSlices(slices).build();
    }

    private static void fit(Model model, FashionMnist.Split train, IntPredicate classes, boolean headOnly,
            TrainingListener... listeners) throws Exception {
        Engine.getInstance().setRandomSeed(1234);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build())
                .addTrainingListeners(TrainingListener.Defaults.basic())
                .addTrainingListeners(listeners);
        try (Trainer trainer = model.newTrainer(config)) {
            if (!model.getBlock().isInitialized()) {
                trainer.initialize(new Shape(64, FashionMnist.PIXELS));
            }
            if (headOnly) {
                var children = model.getBlock().getChildren();
                for (int i = 0; i < children.size() - 1; i++) {
                    children.valueAt(i).freezeParameters(true);
                }
            }
            EasyTrain.fit(trainer, 2, subset(trainer.getManager(), train, classes), null);
        }
    }

    private CheckpointReport fineTune(FashionMnist.Split train, ProbeSet probes, boolean headOnly) throws Exception {
        Path records = dir.resolve((headOnly ? "head" : "full") + ".jsonl");
        try (Model model = Model.newInstance("fmnist")) {
            model.setBlock(mlp());
            model.load(dir, "fmnist");
            fit(model, train, c -> c >= 5, headOnly, DriftListener.builder().setProbeSet(probes)
                    .optMethod(headOnly ? "head" : "full").addSink(new JsonLinesFileSink(records)).build());
        }
        // the checkpoints as the JSON-lines sink wrote them
        List<CheckpointReport> checkpoints = new ArrayList<>();
        for (String line : Files.readAllLines(records)) {
            if (WireJson.fromLine(line) instanceof CheckpointReport c) {
                checkpoints.add(c);
            }
        }
        assertThat(checkpoints).isNotEmpty().allMatch(CheckpointReport::valid);
        assertThat(checkpoints.get(0).headline().mean()).isZero();
        return checkpoints.get(checkpoints.size() - 1);
    }

    @Test
    void fullFineTuningDriftsFurtherThanHeadOnly() throws Exception {
        Path data = FashionMnist.DEFAULT_DIRECTORY;
        if (!FashionMnist.isAvailable(data)) {
            if ("true".equals(System.getenv("CI"))) {
                fail("Fashion-MNIST files are missing from " + data + " (CI=true: install the Debian package)");
            }
            Assumptions.abort("Fashion-MNIST files are missing from " + data + "; skipping");
        }
        FashionMnist.Split train = FashionMnist.load(data, true, 6000);
        FashionMnist.Split test = FashionMnist.load(data, false, 2000);
        ProbeSet probes = probes(test);
        try (Model base = Model.newInstance("fmnist")) {
            base.setBlock(mlp());
            fit(base, train, c -> c < 5, false);
            base.save(dir, "fmnist");
        }

        CheckpointReport full = fineTune(train, probes, false);
        CheckpointReport head = fineTune(train, probes, true);

        MetricSummary fullKl = full.headline();
        MetricSummary headKl = head.headline();
        System.out.printf("Fashion-MNIST 0-4 -> 5-9: full KL(base||ft) %.4f [%.4f, %.4f] (trainable %.3f), "
                        + "head-only %.4f [%.4f, %.4f] (trainable %.3f)%n",
                fullKl.mean(), fullKl.ciLow(), fullKl.ciHigh(), full.parameters().trainableFraction(),
                headKl.mean(), headKl.ciLow(), headKl.ciHigh(), head.parameters().trainableFraction());
        for (CheckpointReport r : List.of(full, head)) {
            for (SliceSummary s : r.slices()) {
                System.out.printf("  %s slice %s: KL %.4f [%.4f, %.4f]%n", r == full ? "full" : "head", s.slice(),
                        s.metrics().get("kl_base_ft").mean(), s.metrics().get("kl_base_ft").ciLow(),
                        s.metrics().get("kl_base_ft").ciHigh());
            }
        }
        assertThat(fullKl.ciLow()).isGreaterThan(headKl.ciHigh());
        assertThat(full.parameters().trainableFraction()).isEqualTo(1.0);
        assertThat(head.parameters().trainableFraction()).isLessThan(0.01);
        assertThat(full.parameters().globalRelativeL2()).isGreaterThan(0);
    }
}
