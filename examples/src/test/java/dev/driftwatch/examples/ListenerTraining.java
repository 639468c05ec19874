package dev.driftwatch.examples;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.plugin.DriftListener;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.report.DriftSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Real DJL training (PyTorch, CPU) with the drift listener: a small MLP on synthetic Gaussian
 * clusters, fine-tuned to shifted labels, measured every few steps on a probe set with two slices.
 */
final class ListenerTraining {

    private static final int FEATURES = 8;
    private static final int CLASSES = 4;

    private ListenerTraining() {}

    /**
     * Trains until {@code keepGoing} says stop (checked after every epoch), streaming to {@code sink}.
     *
     * @param sink where the listener's records go (closed by the listener at training end)
     * @param runKey the run
     * @param everyNSteps how often the listener measures
     * @param keepGoing asked after each epoch
     * @return the steps of the checkpoints the listener handed over
     */
    static List<Long> train(DriftSink sink, String runKey, int everyNSteps, BooleanSupplier keepGoing) {
        Recorder recorder = new Recorder(sink);
        DriftListener drift = DriftListener.builder()
                .setProbeSet(probes(64))
                .optRunKey(runKey)
                .optEveryNSteps(everyNSteps)
                .optFlushTimeout(Duration.ofSeconds(30))
                .addSink(recorder)
                .build();
        Engine.getInstance().setRandomSeed(7);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).build())
                .addTrainingListeners(TrainingListener.Defaults.basic())
                .addTrainingListeners(drift);
        try (Model model = Model.newInstance("streaming-test")) {
            model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(16).build()).add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(CLASSES).build()));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(16, FEATURES));
                NDManager m = trainer.getManager();
                int n = 256;
                ArrayDataset data = new ArrayDataset.Builder()
                        .setData(m.create(features(n, 1), new Shape(n, FEATURES)))
                        .optLabels(m.create(labels(n), new Shape(n)))
                        .setSampling(16, true)
                        .build();
                do {
                    for (Batch batch : trainer.iterateDataset(data)) {
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                        batch.close();
                    }
                    trainer.notifyListeners(listener -> listener.onEpoch(trainer));
                } while (keepGoing.getAsBoolean());
            } // close: onTrainingEnd takes a last measurement, finishes the run, flushes and closes the sink
        } catch (java.io.IOException | ai.djl.translate.TranslateException e) {
            throw new IllegalStateException(e);
        }
        return recorder.steps();
    }

    private static ProbeSet probes(int n) {
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slices.add(i % 2 == 0 ? "on-task" : "off-task/general");
        }
        return ProbeSet.builder().addInput("x", features(n, 99), new Shape(FEATURES)).optSlices(slices).build();
    }

    private static float[] features(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * FEATURES];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = (float) (r.nextGaussian() + (j % CLASSES == i % CLASSES ? 2 : 0));
            }
        }
        return x;
    }

    /** The fine-tuning task: every class shifted by one, so the model drifts from its start. */
    private static float[] labels(int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i % CLASSES + 1) % CLASSES;
        }
        return y;
    }

    /** Forwards to the real sink and remembers which steps the listener handed over. */
    private static final class Recorder implements DriftSink {
        private final DriftSink target;
        private final List<Long> steps = Collections.synchronizedList(new ArrayList<>());

        Recorder(DriftSink target) {
            this.target = target;
        }

        List<Long> steps() {
            return List.copyOf(steps);
        }

        @Override
        public void runStarted(RunInfo run) {
            target.runStarted(run);
        }

        @Override
        public void checkpoint(CheckpointReport report) {
            steps.add(report.step());
            target.checkpoint(report);
        }

        @Override
        public void runFinished(RunEnd end) {
            target.runFinished(end);
        }

        @Override
        public boolean flush(Duration timeout) {
            return target.flush(timeout);
        }

        @Override
        public void close() {
            target.close();
        }
    }
}
