package dev.driftwatch.plugin.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.TensorDrift;
import org.junit.jupiter.api.Test;

class ParameterTrackerTest {

    @Test
    void measuresNormsAndTheStableRankOfAKnownUpdate() {
        try (Model model = Model.newInstance("linear")) {
            model.setBlock(Linear.builder().setUnits(3).build());
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(new Shape(1, 3));
                NDManager m = model.getNDManager();
                NDArray weight = model.getBlock().getParameters().get("weight").getArray();
                weight.set(m.create(new float[] {1, 0, 0, 0, 2, 0, 0, 0, 2}, new Shape(3, 3)).toByteBuffer());
                try (NDManager owned = m.newSubManager()) {
                    ParameterTracker tracker = new ParameterTracker(model.getBlock(), owned);
                    // dW = diag(3, 1, 0): ||dW||_F^2 = 10, ||dW||_2^2 = 9, stable rank 10/9
                    weight.addi(m.create(new float[] {3, 0, 0, 0, 1, 0, 0, 0, 0}, new Shape(3, 3)));

                    ParameterDrift drift = tracker.measure(4);

                    TensorDrift w = drift.tensors().stream().filter(t -> t.name().equals("weight")).findFirst()
                            .orElseThrow();
                    assertThat(w.baseL2()).isCloseTo(3.0, within(1e-6));
                    assertThat(w.deltaL2()).isCloseTo(Math.sqrt(10), within(1e-5));
                    assertThat(w.relative()).isCloseTo(Math.sqrt(10) / 3, within(1e-5));
                    assertThat(w.stableRank()).isCloseTo(10.0 / 9, within(1e-3));
                    TensorDrift bias = drift.tensors().stream().filter(t -> t.name().equals("bias")).findFirst()
                            .orElseThrow();
                    assertThat(bias.deltaL2()).isZero();
                    assertThat(bias.stableRank()).isNull();
                    assertThat(drift.totalParameters()).isEqualTo(12);
                    assertThat(drift.globalRelativeL2()).isCloseTo(Math.sqrt(10) / 3, within(1e-5));

                    // a rank-one update has stable rank 1; the warm start carries over
                    weight.addi(m.create(new float[] {-3, 0, 0, 0, -1, 0, 0, 0, 0}, new Shape(3, 3)));
                    weight.addi(m.create(new float[] {1, 2, 2, 2, 4, 4, 0, 0, 0}, new Shape(3, 3)));
                    assertThat(tracker.measure(4).tensors().get(0).stableRank()).isCloseTo(1.0, within(1e-4));
                    assertThat(tracker.fingerprint()).hasSize(64);
                }
            }
        }
    }

    /**
     * The meter measures the parameter drift on a thread of its own: the numbers are those measured on the
     * calling thread, checkpoint after checkpoint (the stable ranks' warm start carried from one to the next).
     * (PyTorch's autograd mode is per thread, and on in a thread of the JVM's own: without the detach in
     * {@code delta}, the scratch buffer joined an autograd graph that grew with every checkpoint, and freeing it
     * crashed the JVM in {@code DriftMeterTest.noArrayLeaksOverFiveHundredCheckpoints}.)
     */
    @Test
    void measuredOnAThreadOfItsOwnGivesTheSameNumbers() throws Exception {
        try (Model model = Model.newInstance("linear")) {
            model.setBlock(Linear.builder().setUnits(64).build());
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(new Shape(1, 48));
                NDArray weight = model.getBlock().getParameters().get("weight").getArray();
                assertThat(weight.hasGradient()).isTrue();
                try (NDManager owned = model.getNDManager().newSubManager()) {
                    ParameterTracker tracker = new ParameterTracker(model.getBlock(), owned);
                    ParameterDrift[] onThread = new ParameterDrift[3];
                    ParameterDrift[] here = new ParameterDrift[3];
                    java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
                    try (NDManager noise = model.getNDManager().newSubManager()) {
                        for (int k = 0; k < 3; k++) {
                            weight.addi(noise.randomNormal(0, 0.01f, weight.getShape(), weight.getDataType()));
                            onThread[k] = thread.submit(() -> tracker.measure(2)).get();
                            here[k] = tracker.measure(2);
                        }
                    } finally {
                        thread.shutdown();
                    }
                    for (int k = 0; k < 3; k++) {
                        assertThat(onThread[k].tensors()).extracting(TensorDrift::deltaL2)
                                .isEqualTo(here[k].tensors().stream().map(TensorDrift::deltaL2).toList());
                        assertThat(onThread[k].tensors().get(0).stableRank()).isNotNull();
                    }
                }
            }
        }
    }

    /**
     * A model of more parameter tensors than the service takes in one checkpoint (10,000 by default): the
     * checkpoint carries the 10,000 that changed most, in the model's order, and the totals and global drift of
     * all of them. Before, it carried every tensor, and the service refused the whole checkpoint.
     */
    @Test
    void aModelOfMoreTensorsThanTheServiceTakesReportsTheMostChanged() {
        int layers = CheckpointReport.DEFAULT_MAX_TENSORS + 1; // one weight each
        ai.djl.nn.SequentialBlock block = new ai.djl.nn.SequentialBlock();
        for (int i = 0; i < layers; i++) {
            block.add(Linear.builder().setUnits(1).optBias(false).build());
        }
        try (Model model = Model.newInstance("deep")) {
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(new Shape(1, 1));
                NDManager m = model.getNDManager();
                java.util.List<NDArray> weights = new java.util.ArrayList<>();
                block.getParameters().forEach(p -> weights.add(p.getValue().getArray()));
                for (NDArray w : weights) {
                    w.set(m.create(new float[] {1}, new Shape(1, 1)).toByteBuffer());
                }
                try (NDManager owned = m.newSubManager()) {
                    ParameterTracker tracker = new ParameterTracker(block, owned);
                    // every weight moves by its index / layers, but layer 0 does not move at all
                    for (int i = 0; i < layers; i++) {
                        weights.get(i).set(m.create(new float[] {1 + (float) i / layers}, new Shape(1, 1))
                                .toByteBuffer());
                    }
                    ParameterDrift drift = tracker.measure(0);
                    assertThat(drift.tensors()).hasSize(CheckpointReport.DEFAULT_MAX_TENSORS);
                    assertThat(drift.tensors().get(0).deltaL2()).isGreaterThan(0); // the unmoved one is left out
                    assertThat(drift.totalParameters()).isEqualTo(layers);
                    double sumSq = 0;
                    for (int i = 0; i < layers; i++) {
                        sumSq += Math.pow((double) i / layers, 2);
                    }
                    assertThat(drift.globalRelativeL2()).isCloseTo(Math.sqrt(sumSq / layers), within(1e-4));
                    java.util.List<String> names = new java.util.ArrayList<>(block.getParameters().keys());
                    assertThat(drift.tensors()).extracting(TensorDrift::name).isEqualTo(names.subList(1, layers));
                }
            }
        }
    }

    /**
     * Blocks nested 40 deep give parameter names of ~750 characters, past the service's 512: they are sent as
     * their ends behind '…', still unique. Before, every checkpoint of such a model was refused whole.
     */
    @Test
    void namesOfDeeplyNestedBlocksAreCutToTheServicesLengthAndStayUnique() {
        ai.djl.nn.Block inner = new ai.djl.nn.SequentialBlock().add(Linear.builder().setUnits(2).build())
                .add(Linear.builder().setUnits(2).build());
        for (int depth = 0; depth < 40; depth++) {
            inner = new ai.djl.nn.SequentialBlock().add(inner);
        }
        try (Model model = Model.newInstance("deep")) {
            model.setBlock(inner);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(new Shape(1, 3));
                java.util.List<String> names = new java.util.ArrayList<>(inner.getParameters().keys());
                assertThat(names).allMatch(n -> n.length() > TensorDrift.MAX_NAME_LENGTH);
                try (NDManager owned = model.getNDManager().newSubManager()) {
                    ParameterDrift drift = new ParameterTracker(inner, owned).measure(0);
                    java.util.List<String> sent = drift.tensors().stream().map(TensorDrift::name).toList();
                    assertThat(sent).hasSize(names.size()).doesNotHaveDuplicates()
                            .allMatch(n -> n.length() == TensorDrift.MAX_NAME_LENGTH && n.startsWith("…"));
                    for (int i = 0; i < names.size(); i++) {
                        assertThat(names.get(i)).endsWith(sent.get(i).substring(1));
                    }
                }
            }
        }
        // two names whose ends are the same: the second is numbered
        java.util.Set<String> used = new java.util.HashSet<>();
        String end = "x".repeat(600);
        String first = ParameterTracker.wireName("a" + end, used);
        String second = ParameterTracker.wireName("b" + end, used);
        assertThat(first).startsWith("…x").hasSize(TensorDrift.MAX_NAME_LENGTH);
        assertThat(second).startsWith("…2…x").hasSize(TensorDrift.MAX_NAME_LENGTH);
        assertThat(ParameterTracker.wireName("short", used)).isEqualTo("short");
    }
}
