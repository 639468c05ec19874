package com.example.finetune;

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
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.driftwatch.plugin.DriftListener;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.report.DriftSink;
import dev.driftwatch.plugin.ship.HttpDriftSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Fine-tunes a small classifier on a new task and streams its drift from the base model to the
 * driftwatch monitor service. The service, the project and its API token come from the environment:
 * {@code DRIFTWATCH_URL}, {@code DRIFTWATCH_PROJECT}, {@code DRIFTWATCH_TOKEN}.
 */
public final class FineTune {

    static final int FEATURES = 16;
    static final int CLASSES = 4;

    public static void main(String[] args) throws Exception {
        String runKey = args.length > 0 ? args[0] : "finetune-" + System.currentTimeMillis();
        try (HttpDriftSink sink = HttpDriftSink.builder().build()) { // DRIFTWATCH_URL, _PROJECT, _TOKEN
            train(runKey, sink);
        } // close(): delivers what is left within a bounded wait; the rest stays in the local spool
    }

    /** Trains a base model, then fine-tunes it with the drift listener reporting to the sink. */
    public static void train(String runKey, DriftSink sink) throws Exception {
        Engine.getInstance().setRandomSeed(7);
        try (Model model = Model.newInstance("classifier")) {
            model.setBlock(new SequentialBlock()
                    .add(Linear.builder().setUnits(32).build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(CLASSES).build()));
            fit(model, 0, 4, null); // the base model; in your job: model.load(baseModelDirectory)

            // fixed probes: inputs of the new task (on-task) and of the old one (off-task)
            ProbeSet probes = ProbeSet.concat(
                    probes("new", 4, "on-task"),
                    probes("old", 0, "off-task/old-task"));
            DriftListener drift = DriftListener.builder()
                    .setProbeSet(probes)
                    .optRunKey(runKey)
                    .optRunName("example: fine-tune on clusters 4-7")
                    .optTags("example")
                    .optConfig("learningRate", "0.1")
                    .optEveryNSteps(8) // and at every epoch's end
                    .addSink(sink)
                    .build();
            fit(model, 4, 2, drift); // the fine-tuning run, measured
        }
    }

    /** Trains on clusters {@code first .. first + 3} (labels 0..3), with the listener when given. */
    private static void fit(Model model, int first, int epochs, TrainingListener drift) throws Exception {
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build())
                .addTrainingListeners(TrainingListener.Defaults.basic()); // first: task metrics
        if (drift != null) {
            config.addTrainingListeners(drift);
        }
        try (Trainer trainer = model.newTrainer(config)) {
            if (!model.getBlock().isInitialized()) {
                trainer.initialize(new Shape(32, FEATURES));
            }
            NDManager manager = trainer.getManager();
            int n = 512;
            float[] labels = new float[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % CLASSES;
            }
            ArrayDataset data = new ArrayDataset.Builder()
                    .setData(manager.create(inputs(first, n, first), new Shape(n, FEATURES)))
                    .optLabels(manager.create(labels, new Shape(n)))
                    .setSampling(32, true)
                    .build();
            EasyTrain.fit(trainer, epochs, data, null);
        } // close() fires onTrainingEnd: the last measurement, the run's end, a bounded flush
    }

    /** 200 probe examples of clusters {@code first .. first + 3}: float32 inputs of shape [16] each. */
    private static ProbeSet probes(String idPrefix, int first, String slice) {
        int n = 200;
        List<String> ids = new ArrayList<>();
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(idPrefix + "-" + i);
            slices.add(slice);
        }
        return ProbeSet.builder()
                .addInput("x", inputs(first, n, 1000 + first), new Shape(FEATURES))
                .optIds(ids)
                .optSlices(slices)
                .build();
    }

    /** Example i is a Gaussian around the centre of cluster {@code first + i % 4}, row-major [n, 16]. */
    private static float[] inputs(int first, int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * FEATURES];
        for (int i = 0; i < n; i++) {
            int centre = 2 * (first + i % CLASSES);
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = (float) (random.nextGaussian() + (j == centre ? 3 : 0));
            }
        }
        return x;
    }
}
