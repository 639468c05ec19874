package dev.driftwatch.plugin.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.driftwatch.plugin.DriftListener;
import dev.driftwatch.plugin.DriftMeter;
import dev.driftwatch.plugin.DriftSettings;
import dev.driftwatch.plugin.testing.RecordingSink;
import dev.driftwatch.plugin.testing.SmallModels;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A probe input or mask of the wrong shape is an error that says what was expected and what was given. */
@Timeout(120)
class ProbeShapesTest {

    private static DriftSettings settings(ProbeSet probes) {
        return new DriftSettings(probes, 1.0, 0, 4, 256L << 20, 64, null, 1000, 42, 3, true, 2);
    }

    @Test
    void aProbeInputOfTheWrongWidthNamesTheModelsInputAndTheProbes() {
        // the model was initialised for 8 features per example; the probes have 5
        ProbeSet probes = ProbeSet.builder().addInput("features", new float[3 * 5], new Shape(5)).build();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(settings(probes))) {
                trainer.initialize(new Shape(16, SmallModels.FEATURES));
                assertThatThrownBy(() -> meter.captureBase(trainer))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("given 'features' (1, 5) float32 ((5) per example)")
                        .hasMessageContaining("expected, as the model was initialised: (16, 8) ((8) per example)");
                assertThat(meter.isCaptured()).isFalse();
            }
        }
    }

    @Test
    void aMaskShorterThanTheOutputsSequenceAxisNamesBothLengths() {
        int t = 4;
        int n = 3;
        // the model maps [N, 4, 6] inputs to [N, 4, 10] logits; the mask has 3 positions per example
        ProbeSet probes = ProbeSet.builder()
                .addInput("x", new float[n * t * 6], new Shape(t, 6))
                .optMask(new float[][] {{1, 1, 0}, {1, 0, 0}, {1, 1, 1}})
                .build();
        try (Model model = Model.newInstance("seq")) {
            model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(10).build()));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()));
                    DriftMeter meter = new DriftMeter(settings(probes))) {
                trainer.initialize(new Shape(1, t, 6));
                assertThatThrownBy(() -> meter.captureBase(trainer))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("the probe mask has T=3 positions per example")
                        .hasMessageContaining("[1, 3, V]; given: the model returned (1, 4, 10)")
                        .hasMessageContaining("sequence axis, 4");
            }
        }
    }

    @Test
    void aSequenceOutputWithoutAMaskSaysToAddOne() {
        ProbeSet probes = ProbeSet.builder().addInput("x", new float[2 * 4 * 6], new Shape(4, 6)).build();
        try (Model model = Model.newInstance("seq")) {
            model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(10).build()));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()));
                    DriftMeter meter = new DriftMeter(settings(probes))) {
                trainer.initialize(new Shape(1, 4, 6));
                assertThatThrownBy(() -> meter.captureBase(trainer))
                        .hasMessageContaining("need logits [b, V] = [1, V]; given: the model returned (1, 4, 10)")
                        .hasMessageContaining("optMask");
            }
        }
    }

    @Test
    void aModelWithOneOutputPerExampleIsRefusedNotMeasuredAsNoDrift() {
        // a sigmoid (binary) head: softmax over its one logit is 1 whatever the weights, so KL would read 0 forever
        ProbeSet probes = ProbeSet.builder().addInput("x", SmallModels.features(4, 1), new Shape(SmallModels.FEATURES))
                .build();
        try (Model model = Model.newInstance("binary")) {
            model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(1).build()));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(settings(probes))) {
                trainer.initialize(new Shape(4, SmallModels.FEATURES));
                assertThatThrownBy(() -> meter.captureBase(trainer))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("one value per example")
                        .hasMessageContaining("[0, z]");
            }
        }
    }

    @Test
    void maskShapesAreCheckedWhenTheProbeSetIsBuilt() {
        assertThatThrownBy(() -> ProbeSet.builder().addInput("x", new float[3 * 2], new Shape(2))
                .optMask(new float[] {1, 1, 1, 1}, 2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the mask must be [N, T] = [3, 2] (one row per probe example); given 4 values, 2 rows");
        assertThatThrownBy(() -> ProbeSet.builder().optMask(new float[] {1, 1, 1}, 2))
                .hasMessage("the mask must hold N x T values (row-major [N, T]) with T = 2 >= 1; given 3 values");
        assertThatThrownBy(() -> ProbeSet.builder().optMask(new float[][] {{1, 1}, {1}}))
                .hasMessage("the mask must be [N][T] with rows of equal length: row 0 has 2 positions, row 1 has 1");
        assertThatThrownBy(() -> ProbeSet.builder().addInput("x", new float[2 * 2], new Shape(2))
                .optMask(new float[] {1, 0.5f, 1, 0}, 2).build())
                .hasMessage("mask values must be 0 or 1; given 0.5 at example 0, position 1");
    }

    @Test
    void aForwardThatFailsForAnotherReasonLeadsWithTheEnginesMessageNotTheShapes() {
        // right shapes (8 features per example), but the model's forward fails for its own reason
        AtomicBoolean broken = new AtomicBoolean();
        SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(4).build())
                .add(new LambdaBlock(x -> {
                    if (broken.get()) {
                        throw new IllegalStateException("Inference tensors cannot be saved for backward");
                    }
                    return x;
                }));
        ProbeSet probes = ProbeSet.builder()
                .addInput("features", new float[3 * SmallModels.FEATURES], new Shape(SmallModels.FEATURES)).build();
        try (Model model = Model.newInstance("broken")) {
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(settings(probes))) {
                trainer.initialize(new Shape(16, SmallModels.FEATURES));
                broken.set(true);
                assertThatThrownBy(() -> meter.captureBase(trainer))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("the model's forward pass failed on the probe inputs (their shapes fit the model:"
                                + " given 'features' (1, 8) float32 ((8) per example)). Engine: Inference tensors cannot"
                                + " be saved for backward")
                        .message().doesNotContain("expected");
            }
        }
    }

    @Test
    void theListenerLogsTheMismatchAndTrainingGoesOn() {
        ProbeSet probes = ProbeSet.builder().addInput("features", new float[3 * 5], new Shape(5)).build();
        RecordingSink sink = new RecordingSink();
        DriftListener drift = DriftListener.builder().setProbeSet(probes).addSink(sink).build();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(SmallModels.mlp(false));
            SmallModels.train(model, 1, 1, 0, t -> { }, drift); // must not throw
        }
        assertThat(sink.checkpoints).isEmpty();
    }
}
