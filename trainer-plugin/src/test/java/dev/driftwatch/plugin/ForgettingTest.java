package dev.driftwatch.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.testing.ReferenceDivergences;
import dev.driftwatch.plugin.testing.SmallModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Task loss, accuracy and forgetting on labelled probes against a hand computation in plain doubles. */
@Timeout(180)
class ForgettingTest {

    /** The metrics scored on the probe targets, in the order the contract lists them. */
    private static final List<String> PER_TARGET = Metric.wireNames(Metric.needing(Metric.Needs.TARGETS));

    private static DriftSettings settings(ProbeSet probes) {
        return new DriftSettings(probes, 1.0, 0, 4, 256L << 20, 64, null, 1000, 42, 3, false, 0);
    }

    @Test
    void classifierForgettingPerSliceEqualsAHandComputation() {
        int n = 40;
        float[] x = SmallModels.features(n, 5);
        float[] labels = SmallModels.labels(n, 0);
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slices.add(i % 4 == 0 ? "on-task" : "off-task/general");
        }
        ProbeSet probes = ProbeSet.builder().addInput("x", x, new Shape(SmallModels.FEATURES)).optSlices(slices)
                .optLabels(labels).build();
        Engine.getInstance().setRandomSeed(7);
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(settings(probes))) {
                trainer.initialize(new Shape(1, SmallModels.FEATURES));
                NDArray input = trainer.getManager().create(x, new Shape(n, SmallModels.FEATURES));
                float[] base = trainer.evaluate(new NDList(input)).head().toFloatArray();
                meter.captureBase(trainer);
                DriftMeterTest.perturb(model.getBlock(), trainer.getManager(), 0.4f);
                float[] ft = trainer.evaluate(new NDList(input)).head().toFloatArray();

                DriftMeter.Measurement result = meter.measure(trainer);

                assertThat(result.valid()).isTrue();
                long[] targets = new long[n];
                for (int i = 0; i < n; i++) {
                    targets[i] = (long) labels[i];
                }
                float[] mask = null;
                assertMatches(result, slices, base, ft, targets, mask, 1, SmallModels.CLASSES);
                MetricSummary forgetting = result.aggregates().metrics().get(Metric.FORGETTING.wireName());
                assertThat(forgetting.ciLow()).isLessThanOrEqualTo(forgetting.mean());
                assertThat(forgetting.ciHigh()).isGreaterThanOrEqualTo(forgetting.mean());
                assertThat(forgetting.ciHigh()).isGreaterThan(forgetting.ciLow());
            }
        }
    }

    @ParameterizedTest
    // 12 tokens: measured on the JVM; 30000: measured through NDArray operations
    @ValueSource(ints = {12, 30000})
    void maskedNextTokenForgettingEqualsAHandComputation(int vocab) {
        int n = 8;
        int t = 5;
        int in = 6;
        Random r = new Random(3);
        float[] x = new float[n * t * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] mask = new float[n * t];
        long[] targets = new long[n * t];
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slices.add(i < 3 ? "on-task" : "off-task/general");
            for (int p = 0; p < t; p++) {
                mask[i * t + p] = p >= i % 3 ? 1 : 0;         // a prompt of i mod 3 positions is not scored
                targets[i * t + p] = mask[i * t + p] == 1 ? r.nextInt(vocab) : -1; // padding: any value
            }
        }
        ProbeSet probes = ProbeSet.builder().addInput("x", x, new Shape(t, in)).optMask(mask, t).optSlices(slices)
                .optTargets(targets).build();
        Engine.getInstance().setRandomSeed(11);
        try (Model model = Model.newInstance("seq")) {
            model.setBlock(new SequentialBlock()
                    .add(Linear.builder().setUnits(16).build())
                    .add(Linear.builder().setUnits(vocab).build()));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()));
                    DriftMeter meter = new DriftMeter(settings(probes))) {
                trainer.initialize(new Shape(1, t, in));
                NDArray input = trainer.getManager().create(x, new Shape(n, t, in));
                float[] base = trainer.evaluate(new NDList(input)).head().toFloatArray();
                meter.captureBase(trainer);
                DriftMeterTest.perturb(model.getBlock(), trainer.getManager(), 0.3f);
                float[] ft = trainer.evaluate(new NDList(input)).head().toFloatArray();

                DriftMeter.Measurement result = meter.measure(trainer);

                assertThat(result.valid()).isTrue();
                assertMatches(result, slices, base, ft, targets, mask, t, vocab);
            }
        }
    }

    @Test
    void probesWithoutTargetsReportNoTaskMetricsAndTargetsLeaveTheFingerprintAlone() {
        ProbeSet plain = SmallModels.probes(8);
        ProbeSet labelled = ProbeSet.builder().addInput(plain.inputs().get(0)).optSlices(plain.slices())
                .optLabels(SmallModels.labels(8, 0)).build();
        assertThat(labelled.fingerprint()).isEqualTo(plain.fingerprint());
        Engine.getInstance().setRandomSeed(2);
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(settings(plain))) {
                trainer.initialize(new Shape(1, SmallModels.FEATURES));
                meter.captureBase(trainer);
                assertThat(meter.measure(trainer).aggregates().metrics()).doesNotContainKeys(PER_TARGET
                        .toArray(String[]::new));
            }
        }
    }

    @Test
    void targetsOutsideTheModelsClassesAreRefusedAtCapture() {
        ProbeSet plain = SmallModels.probes(4);
        ProbeSet labelled = ProbeSet.builder().addInput(plain.inputs().get(0)).optLabels(new float[] {0, 1, 2, 9})
                .build();
        Engine.getInstance().setRandomSeed(2);
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(settings(labelled))) {
                trainer.initialize(new Shape(1, SmallModels.FEATURES));
                assertThatThrownBy(() -> meter.captureBase(trainer)).hasMessageContaining("probe example 3")
                        .hasMessageContaining("target 9");
            }
        }
        assertThatThrownBy(() -> ProbeSet.builder().addInput(plain.inputs().get(0)).optLabels(new float[] {0, 1, 2})
                .build()).hasMessageContaining("targets has 3 values for 4 examples");
    }

    /** Compares every task summary, overall and per slice, with plain double arithmetic on the logits. */
    private static void assertMatches(DriftMeter.Measurement result, List<String> slices, float[] base, float[] ft,
            long[] targets, float[] mask, int positions, int classes) {
        int n = slices.size();
        double[][] scoresBase = ReferenceDivergences.taskScores(base, targets, mask, positions, classes, 1.0);
        double[][] scoresFt = ReferenceDivergences.taskScores(ft, targets, mask, positions, classes, 1.0);
        double[][] perExample = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] b = scoresBase[i];
            double[] f = scoresFt[i];
            perExample[i] = new double[] {b[0], f[0], f[0] - b[0], b[1], f[1], b[1] - f[1]};
        }
        assertMeans(result.aggregates().metrics(), perExample, i -> true, "overall");
        for (SliceSummary s : result.aggregates().slices()) {
            assertMeans(s.metrics(), perExample, i -> slices.get(i).equals(s.slice()), s.slice());
        }
        assertThat(result.aggregates().slices()).hasSize(2);
    }

    private static void assertMeans(Map<String, MetricSummary> metrics, double[][] perExample,
            java.util.function.IntPredicate in, String where) {
        for (int c = 0; c < PER_TARGET.size(); c++) {
            double sum = 0;
            int count = 0;
            for (int i = 0; i < perExample.length; i++) {
                if (in.test(i)) {
                    sum += perExample[i][c];
                    count++;
                }
            }
            String name = PER_TARGET.get(c);
            assertThat(metrics.get(name).mean()).as("%s of %s", name, where).isCloseTo(sum / count, within(2e-5));
        }
        assertThat(metrics.get(Metric.FORGETTING.wireName()).mean()).as("forgetting = ft loss - base loss")
                .isCloseTo(metrics.get(Metric.TASK_LOSS_FT.wireName()).mean() - metrics.get(Metric.TASK_LOSS_BASE.wireName()).mean(),
                        within(1e-9));
    }

}
