package dev.driftwatch.examples.lm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import dev.driftwatch.examples.demo.Training;
import dev.driftwatch.plugin.loss.SequenceCrossEntropyLoss;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The transformer's causality and the three methods' parameter freezing, on a real PyTorch model. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LmMethodTest {

    // V = 100, T = 8, d = 16, 2 heads, 2 layers, adapter rank 2
    private static TinyGpt newNet() {
        return new TinyGpt(100, 8, 16, 2, 2, 2);
    }

    @Test
    void aTokenSeesOnlyTheTokensBeforeIt() {
        Engine.getInstance().setRandomSeed(1);
        TinyGpt net = newNet();
        try (Model model = Model.newInstance("gpt", "PyTorch")) {
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(Training.config(new SequenceCrossEntropyLoss(), 1e-3f))) {
                trainer.initialize(new Shape(1, 8));
                NDArray a = trainer.getManager().create(new long[] {2, 5, 6, 7, 8, 9, 10, 11}, new Shape(1, 8));
                NDArray b = trainer.getManager().create(new long[] {2, 5, 6, 7, 50, 51, 52, 53}, new Shape(1, 8));
                NDArray la = trainer.evaluate(new NDList(a)).head();
                NDArray lb = trainer.evaluate(new NDList(b)).head();
                assertThat(la.getShape()).isEqualTo(new Shape(1, 8, 100));
                // positions 0-3 have the same past: identical predictions; position 4 does not
                assertThat(la.get(":, 0:4").sub(lb.get(":, 0:4")).abs().max().getFloat()).isLessThan(1e-6f);
                assertThat(la.get(":, 4").sub(lb.get(":, 4")).abs().max().getFloat()).isGreaterThan(1e-4f);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({
        // embeddings 100x16 + 8x16; per layer: 4 projections 16x16+16, norms 2x(16+16), MLP 16x64+64 + 64x16+16;
        // final norm 32; head 16x100+100. Adapters per projection r*(16+16) = 64 (frozen except in LORA).
        "FULL, 10020",
        "LORA, 512",
        "LAST_BLOCK, 3280"
    })
    void eachMethodTrainsExactlyItsParameters(LmMethod method, long trainable) {
        Engine.getInstance().setRandomSeed(1);
        TinyGpt net = newNet();
        try (Model model = Model.newInstance("gpt", "PyTorch")) {
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(Training.config(new SequenceCrossEntropyLoss(), 1e-3f))) {
                trainer.initialize(new Shape(1, 8));
                method.applyTo(net);
                long count = 0;
                for (Pair<String, Parameter> p : net.getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        count += p.getValue().getArray().size();
                    }
                }
                assertThat(count).isEqualTo(trainable);
            }
        }
    }
}
