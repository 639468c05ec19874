package dev.driftwatch.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.util.Pair;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The demo model's adapters and the three methods' parameter freezing, on a real PyTorch model. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FineTuneMethodTest {

    private static final int RANK = 4;

    @Test
    void aFreshAdapterIsZeroSoTheModelComputesThePlainLayers() {
        DemoModel net = new DemoModel(RANK);
        try (Model model = newModel(net); Trainer trainer = model.newTrainer(config())) {
            trainer.initialize(DemoTask.batchShape(1));
            for (Pair<String, Parameter> p : net.block().getParameters()) {
                if (p.getKey().endsWith("loraB")) {
                    assertThat(p.getValue().getArray().abs().sum().getFloat()).as(p.getKey()).isZero();
                }
                if (p.getKey().endsWith("loraA")) {
                    assertThat(p.getValue().getArray().abs().sum().getFloat()).as(p.getKey()).isPositive();
                }
            }
            NDArray x = trainer.getManager().randomUniform(0, 1, DemoTask.batchShape(8));
            NDArray withAdapters = trainer.evaluate(new NDList(x)).singletonOrThrow();
            NDArray plain = x;
            for (int i = 0; i < net.layers().size(); i++) {
                LoraLinear layer = net.layers().get(i);
                NDArray w = layer.getParameters().get("weight").getArray();
                NDArray b = layer.getParameters().get("bias").getArray();
                plain = plain.matMul(w.transpose()).add(b);
                if (i < net.layers().size() - 1) {
                    plain = plain.maximum(0);
                }
            }
            assertThat(withAdapters.sub(plain).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @ParameterizedTest
    @CsvSource({
        // hidden layers 784x256+256, 256x128+128, head 128x10+10; adapters r*(in+out) per layer
        "FULL, 235146",
        "HEAD, 1290",
        "LORA, 6248"
    })
    void eachMethodTrainsItsParametersOnly(FineTuneMethod method, long expectedTrainable) {
        DemoModel net = new DemoModel(RANK);
        try (Model model = newModel(net); Trainer trainer = model.newTrainer(config())) {
            trainer.initialize(DemoTask.batchShape(1));
            method.applyTo(net);
            long trainable = 0;
            long total = 0;
            for (Pair<String, Parameter> p : net.block().getParameters()) {
                long size = p.getValue().getArray().size();
                total += size;
                trainable += p.getValue().requiresGradient() ? size : 0;
            }
            assertThat(total).isEqualTo(235146 + 6248);
            assertThat(trainable).isEqualTo(expectedTrainable);
            assertThat(net.layers().stream().mapToLong(LoraLinear::adapterSize).sum()).isEqualTo(6248);
        }
    }

    private static Model newModel(DemoModel net) {
        Engine.getInstance().setRandomSeed(3);
        Model model = Model.newInstance("test", "PyTorch");
        model.setBlock(net.block());
        return model;
    }

    private static ai.djl.training.DefaultTrainingConfig config() {
        return Training.config(new SoftmaxCrossEntropyLoss("loss"), new Accuracy(), 1e-3f);
    }
}
