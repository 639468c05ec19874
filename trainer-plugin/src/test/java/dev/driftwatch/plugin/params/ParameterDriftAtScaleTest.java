package dev.driftwatch.plugin.params;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.TensorDrift;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ParameterTracker}'s norms at a language-model head's size, against a plain double-precision
 * computation written here from the float values: a 32,000 x 256 head beside small tensors, over three
 * checkpoints whose updates differ in size per tensor. Every tensor's update passes through one reused
 * buffer, so a value left over from a larger tensor or an earlier checkpoint would show here (as an
 * error of the order of the update itself). The norms are float32 reductions over rows of 4096 values,
 * summed in float64: within 1e-6 relative (a single float32 norm over the head's 8.2M values was off by
 * 2.6e-4).
 */
@Timeout(120)
class ParameterDriftAtScaleTest {

    @Test
    void everyTensorsNormsMatchTheDoubleReferenceOverSeveralCheckpoints() {
        SequentialBlock block = new SequentialBlock()
                .add(Linear.builder().setUnits(256).build())
                .add(Linear.builder().setUnits(32_000).build())
                .add(Linear.builder().setUnits(10).build());
        try (Model model = Model.newInstance("head")) {
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(new Shape(1, 64));
                NDManager m = model.getNDManager();
                Map<String, float[]> base = new HashMap<>();
                for (Pair<String, Parameter> p : block.getParameters()) {
                    base.put(p.getKey(), p.getValue().getArray().toFloatArray());
                }
                Random r = new Random(11);
                try (NDManager owned = m.newSubManager()) {
                    ParameterTracker tracker = new ParameterTracker(block, owned);
                    double worst = 0;
                    for (int checkpoint = 1; checkpoint <= 3; checkpoint++) {
                        int tensor = 0;
                        for (Pair<String, Parameter> p : block.getParameters()) {
                            NDArray a = p.getValue().getArray();
                            // a different scale per tensor and checkpoint, some tensors left alone
                            double scale = (tensor + checkpoint) % 3 == 0 ? 0 : 1e-3 * (tensor + 1) * checkpoint;
                            float[] step = new float[(int) a.size()];
                            for (int i = 0; i < step.length; i++) {
                                step[i] = (float) (scale * r.nextGaussian());
                            }
                            a.addi(m.create(step, a.getShape()));
                            tensor++;
                        }
                        ParameterDrift drift = tracker.measure(0);
                        double deltaSq = 0;
                        double baseSq = 0;
                        for (TensorDrift t : drift.tensors()) {
                            float[] now = block.getParameters().get(t.name()).getArray().toFloatArray();
                            float[] then = base.get(t.name());
                            double d = 0;
                            double b = 0;
                            for (int i = 0; i < now.length; i++) {
                                double diff = (double) now[i] - then[i];
                                d += diff * diff;
                                b += (double) then[i] * then[i];
                            }
                            deltaSq += d;
                            baseSq += b;
                            double expected = Math.sqrt(d);
                            double error = Math.abs(t.deltaL2() - expected);
                            assertThat(error).as("%s at checkpoint %d: %s vs %s", t.name(), checkpoint, t.deltaL2(),
                                    expected).isLessThanOrEqualTo(1e-6 * expected + 1e-12);
                            worst = Math.max(worst, expected == 0 ? error : error / expected);
                        }
                        assertThat(drift.globalRelativeL2()).isCloseTo(Math.sqrt(deltaSq / baseSq),
                                org.assertj.core.api.Assertions.within(1e-6 * Math.sqrt(deltaSq / baseSq)));
                    }
                    System.out.printf(Locale.ROOT, "parameter drift at 8.2M weights: worst relative error %.1e%n", worst);
                }
            }
        }
    }
}
