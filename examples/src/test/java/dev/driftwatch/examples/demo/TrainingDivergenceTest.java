package dev.driftwatch.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.TrainingDivergedException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A step whose loss is not finite is reported with its number and the parameters it made non-finite. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TrainingDivergenceTest {

    @Test
    void aNanInputNamesTheStepAndTheGradientsItPoisoned() {
        Engine.getInstance().setRandomSeed(5);
        try (Model model = Model.newInstance("linear", "PyTorch")) {
            model.setBlock(Linear.builder().setUnits(1).build());
            try (Trainer trainer = model.newTrainer(Training.config(Loss.l2Loss("loss"), 1e-2f))) {
                trainer.initialize(new Shape(1, 2));
                // one example per step, in order: steps 1 and 2 are finite, step 3 reads a NaN
                float[] x = {1, 2, 3, 4, Float.NaN, 6, 7, 8};
                ArrayDataset train = new ArrayDataset.Builder()
                        .setData(trainer.getManager().create(x, new Shape(4, 2)))
                        .optLabels(trainer.getManager().create(new float[] {1, 2, 3, 4}, new Shape(4, 1)))
                        .setSampling(1, false)
                        .build();
                assertThatThrownBy(() -> Training.fitInRounds(trainer, train, train, 4, 4, 0))
                        .isInstanceOf(TrainingDivergedException.class)
                        .hasMessageContaining("at step 3 of 4")
                        // the parameters themselves are still finite before step 3's update
                        .hasMessageContaining("values of [], gradients of [")
                        .hasMessageContaining("weight")
                        .hasMessageContaining("bias");
            }
        }
    }

    @Test
    void finiteTrainingReportsNothingNonFinite() {
        Engine.getInstance().setRandomSeed(5);
        try (Model model = Model.newInstance("linear", "PyTorch")) {
            model.setBlock(Linear.builder().setUnits(1).build());
            try (Trainer trainer = model.newTrainer(Training.config(Loss.l2Loss("loss"), 1e-2f))) {
                trainer.initialize(new Shape(1, 2));
                assertThat(Training.nonFinite(trainer)).isEqualTo("values of [], gradients of []");
            }
        }
    }
}
