package dev.driftwatch.plugin.testing;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.driftwatch.plugin.probe.ProbeSet;
import java.util.Random;
import java.util.function.Consumer;

/** Small real models and data for listener tests: an MLP classifier on synthetic Gaussian clusters. */
public final class SmallModels {

    /** Input width of the synthetic data. */
    public static final int FEATURES = 8;
    /** Number of classes. */
    public static final int CLASSES = 4;

    private SmallModels() {}

    /**
     * An MLP with an optional BatchNorm layer.
     *
     * @param batchNorm whether to add BatchNorm after the first layer
     * @return the block
     */
    public static Block mlp(boolean batchNorm) {
        SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(16).build());
        if (batchNorm) {
            block.add(BatchNorm.builder().build());
        }
        return block.add(Activation.reluBlock()).add(Linear.builder().setUnits(CLASSES).build());
    }

    /**
     * Synthetic features: class c is a Gaussian around a class centre.
     *
     * @param n examples
     * @param seed the seed
     * @return row-major features, {@code n * FEATURES}
     */
    public static float[] features(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * FEATURES];
        for (int i = 0; i < n; i++) {
            int c = i % CLASSES;
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = (float) (r.nextGaussian() + (j % CLASSES == c ? 2 : 0));
            }
        }
        return x;
    }

    /**
     * Labels matching {@link #features}.
     *
     * @param n examples
     * @param shift added to each label (mod CLASSES), to make a fine-tuning task that differs
     * @return labels
     */
    public static float[] labels(int n, int shift) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i % CLASSES + shift) % CLASSES;
        }
        return y;
    }

    /**
     * A probe set of synthetic examples with two slices.
     *
     * @param n examples
     * @return the probes
     */
    public static ProbeSet probes(int n) {
        java.util.List<String> slices = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            slices.add(i % 2 == 0 ? "on-task" : "off-task/general");
        }
        return ProbeSet.builder().addInput("x", features(n, 99), new Shape(FEATURES)).optSlices(slices).build();
    }

    /**
     * Seeds the engine and configures plain SGD (learning rate 0.1) with DJL's basic listeners first
     * (so task metrics exist when the given listeners run).
     *
     * @param seed the engine seed
     * @param listeners extra listeners
     * @return the training configuration
     */
    public static DefaultTrainingConfig seededSgd(int seed, TrainingListener... listeners) {
        Engine.getInstance().setRandomSeed(seed);
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build())
                .addTrainingListeners(TrainingListener.Defaults.basic())
                .addTrainingListeners(listeners);
    }

    /**
     * Trains a model on the synthetic task.
     *
     * @param model the model (its block set, possibly already initialised)
     * @param seed the engine seed
     * @param epochs the epochs
     * @param shift the label shift of the task
     * @param beforeFit called with the trainer before fitting (e.g. to freeze parameters)
     * @param listeners extra listeners
     */
    public static void train(Model model, int seed, int epochs, int shift, Consumer<Trainer> beforeFit,
            TrainingListener... listeners) {
        try (Trainer trainer = model.newTrainer(seededSgd(seed, listeners))) {
            if (!model.getBlock().isInitialized()) {
                trainer.initialize(new Shape(16, FEATURES));
            }
            beforeFit.accept(trainer);
            EasyTrain.fit(trainer, epochs, data(trainer.getManager(), 256, seed, shift), null);
        } catch (java.io.IOException | ai.djl.translate.TranslateException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The synthetic task as a dataset in batches of 16, in order.
     *
     * @param m the manager of its arrays
     * @param n examples
     * @param seed seeds the features
     * @param shift the label shift of the task
     * @return the dataset
     */
    public static ArrayDataset data(NDManager m, int n, long seed, int shift) {
        return new ArrayDataset.Builder()
                .setData(m.create(features(n, seed), new Shape(n, FEATURES)))
                .optLabels(m.create(labels(n, shift), new Shape(n)))
                .setSampling(16, false)
                .build();
    }
}
