package dev.driftwatch.examples.demo;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/** The demos' training plumbing: datasets, the training configuration and a loop in rounds of steps. */
public final class Training {

    private Training() {}

    /**
     * Puts examples into a DJL dataset.
     *
     * @param manager owns the arrays
     * @param examples the images and labels
     * @param batchSize examples per batch
     * @param shuffle whether to sample randomly (seeded by the engine's seed)
     * @return the dataset
     */
    static ArrayDataset dataset(NDManager manager, DemoTask.Examples examples, int batchSize, boolean shuffle) {
        return new ArrayDataset.Builder()
                .setData(manager.create(examples.images(), DemoTask.batchShape(examples.count())))
                .optLabels(manager.create(examples.labels(), new Shape(examples.count())))
                .setSampling(batchSize, shuffle)
                .build();
    }

    /**
     * The training configuration: a loss named {@code loss} (so checkpoints carry {@code train_loss}
     * and {@code validate_loss}), accuracy, Adam.
     *
     * @param loss the loss
     * @param accuracy the accuracy evaluator (named {@code Accuracy})
     * @param learningRate Adam's learning rate
     * @param listeners listeners after DJL's basic ones (which must come first: they compute the
     *     epoch's results the drift listener reads)
     * @return the configuration
     */
    static DefaultTrainingConfig config(Loss loss, Accuracy accuracy, float learningRate,
            TrainingListener... listeners) {
        return config(loss, learningRate, listeners).addEvaluator(accuracy);
    }

    /**
     * The training configuration without an accuracy: a loss named {@code loss}, Adam.
     *
     * @param loss the loss
     * @param learningRate Adam's learning rate
     * @param listeners listeners after DJL's basic ones
     * @return the configuration
     */
    public static DefaultTrainingConfig config(Loss loss, float learningRate, TrainingListener... listeners) {
        return new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build())
                .addTrainingListeners(TrainingListener.Defaults.basic())
                .addTrainingListeners(listeners);
    }

    /**
     * Trains for a number of steps in rounds: after every {@code roundSteps} steps it evaluates the
     * validation set and ends an "epoch" for the listeners, so every drift checkpoint carries a
     * validation loss. The training set is re-shuffled whenever it runs out.
     *
     * @param trainer the trainer
     * @param train the training set
     * @param validation the validation set
     * @param steps the total steps
     * @param roundSteps steps per round
     * @param stepDelayMillis a pause after each step (0 for none)
     * @throws IOException when a batch cannot be read
     * @throws TranslateException when a batch cannot be built
     * @throws TrainingDivergedException when a step's loss is not finite; its message names the step and
     *     the parameters whose values or gradients are not finite at that step (before its update)
     */
    public static void fitInRounds(Trainer trainer, ArrayDataset train, ArrayDataset validation, int steps, int roundSteps,
            long stepDelayMillis) throws IOException, TranslateException {
        fitInRounds(trainer, train, validation, evenRounds(steps, roundSteps), stepDelayMillis);
    }

    /**
     * Trains in rounds that end after the given steps, as {@link #fitInRounds(Trainer, ArrayDataset, ArrayDataset,
     * int, int, long)} does in rounds of equal length.
     *
     * @param trainer the trainer
     * @param train the training set
     * @param validation the validation set
     * @param roundEnds the step each round ends after, increasing; the last is the total steps
     * @param stepDelayMillis a pause after each step (0 for none)
     * @throws IOException when a batch cannot be read
     * @throws TranslateException when a batch cannot be built
     * @throws TrainingDivergedException when a step's loss is not finite (see the other overload)
     */
    public static void fitInRounds(Trainer trainer, ArrayDataset train, ArrayDataset validation, int[] roundEnds,
            long stepDelayMillis) throws IOException, TranslateException {
        Iterator<Batch> batches = trainer.iterateDataset(train).iterator();
        int steps = roundEnds.length == 0 ? 0 : roundEnds[roundEnds.length - 1];
        int done = 0;
        for (int end : roundEnds) {
            for (; done < end; done++) {
                if (!batches.hasNext()) {
                    batches = trainer.iterateDataset(train).iterator();
                }
                try (Batch batch = batches.next()) {
                    try {
                        EasyTrain.trainBatch(trainer, batch);
                    } catch (TrainingDivergedException e) {
                        // DJL's check only says "NaN"; which step, and where, is what tells a bad learning
                        // rate (finite parameters, huge gradients) from a numerical fault (non-finite values).
                        throw new TrainingDivergedException(String.format(Locale.ROOT,
                                "the training loss became NaN at step %d of %d; not finite before that step's"
                                        + " update: %s", done + 1, steps, nonFinite(trainer)), e);
                    }
                    trainer.step();
                }
                pause(stepDelayMillis);
            }
            EasyTrain.evaluateDataset(trainer, validation);
            trainer.notifyListeners(listener -> listener.onEpoch(trainer));
        }
    }

    /**
     * Rounds of {@code roundSteps} (the last one shorter where they do not divide the steps).
     *
     * @param steps the total steps, at least 1
     * @param roundSteps steps per round, at least 1
     * @return the step each round ends after
     */
    public static int[] evenRounds(int steps, int roundSteps) {
        int[] ends = new int[(steps + roundSteps - 1) / roundSteps];
        for (int k = 0; k < ends.length; k++) {
            ends[k] = (int) Math.min(steps, (k + 1L) * roundSteps);
        }
        return ends;
    }

    /**
     * Rounds of {@code roundSteps}, but shorter over the first fifth of the steps, so that a run has at least
     * {@link #EARLY_CHECKPOINTS} drift checkpoints by 20% of its steps (where drift moves fastest): the service's
     * forecast of a run's final drift needs five, and checks itself on what a run had by 20% and 50% of its
     * steps. A run long enough for that in rounds of {@code roundSteps} gets them unchanged.
     *
     * @param steps the total steps, at least 1
     * @param roundSteps steps per round after the first fifth, at least 1
     * @return the step each round ends after
     */
    public static int[] earlyDenseRounds(int steps, int roundSteps) {
        int fifth = steps / 5;
        int early = Math.max(1, Math.min(roundSteps, fifth / EARLY_CHECKPOINTS));
        if (early == roundSteps || fifth < EARLY_CHECKPOINTS) {
            return evenRounds(steps, roundSteps);
        }
        int switchAt = early * EARLY_CHECKPOINTS;
        IntStream first = IntStream.rangeClosed(1, EARLY_CHECKPOINTS)
                .map(k -> k * early);
        IntStream rest = IntStream.of(evenRounds(steps - switchAt, roundSteps))
                .map(end -> end + switchAt);
        return IntStream.concat(first, rest).toArray();
    }

    /** Drift checkpoints {@link #earlyDenseRounds} gives a run by 20% of its steps. */
    public static final int EARLY_CHECKPOINTS = 5;

    /**
     * Names the trainable parameters whose values or gradients hold a NaN or an infinity.
     *
     * @param trainer the trainer
     * @return e.g. {@code "values of [], gradients of [layer0_up_weight]"}
     */
    static String nonFinite(Trainer trainer) {
        List<String> values = new ArrayList<>();
        List<String> gradients = new ArrayList<>();
        for (var entry : trainer.getModel().getBlock().getParameters()) {
            Parameter parameter = entry.getValue();
            if (!parameter.isInitialized()) {
                continue;
            }
            NDArray array = parameter.getArray();
            if (!allFinite(array)) {
                values.add(entry.getKey());
            }
            if (parameter.requiresGradient() && array.hasGradient() && !allFinite(array.getGradient())) {
                gradients.add(entry.getKey());
            }
        }
        return "values of " + values + ", gradients of " + gradients;
    }

    private static boolean allFinite(NDArray array) {
        try (NDArray nan = array.isNaN();
                NDArray infinite = array.isInfinite();
                NDArray bad = nan.logicalOr(infinite);
                NDArray any = bad.any()) {
            return !any.getBoolean();
        }
    }

    private static void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
