package dev.driftwatch.examples.lm;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.TrainingDivergedException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.translate.TranslateException;
import dev.driftwatch.examples.demo.BaseModel;
import dev.driftwatch.examples.demo.Training;
import dev.driftwatch.plugin.loss.SequenceCrossEntropyLoss;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * The pretrained LM every fine-tuning run starts from: {@link TinyGpt} trained on all categories of the
 * corpus, saved once in the cache directory (keyed by everything that shapes it, vocabulary included)
 * and loaded by every run.
 */
public final class LmBaseModel {

    /** The model name, and the prefix of the saved parameter file. */
    public static final String NAME = "fortunes-base";
    /** Adam's learning rate for pretraining. */
    private static final float LEARNING_RATE = 3e-3f;
    /** Pretraining rounds (a held-out loss and a progress line each). */
    private static final int ROUNDS = 6;
    /** Pretraining attempts when the loss becomes NaN. */
    static final int ATTEMPTS = 3;

    private LmBaseModel() {}

    /**
     * Returns the cached base's directory, pretraining and saving it first when it is not there.
     *
     * @param config the demo settings
     * @param task the data
     * @param source where the corpus came from (part of the cache key)
     * @param out where progress goes
     * @return the directory holding the saved base
     */
    public static Path loadOrPretrain(LmConfig config, LmTask task, String source, PrintStream out) {
        Path dir = config.cacheDir().resolve("lm-base-" + BaseModel.cacheKey("lm-v1", source,
                Integer.toString(task.vocabulary().tokens().hashCode()), Long.toString(config.seed()),
                Integer.toString(config.vocabulary()), Integer.toString(config.context()),
                Integer.toString(config.width()), Integer.toString(config.heads()), Integer.toString(config.depth()),
                Integer.toString(config.adapterRank()), Integer.toString(config.pretrainSteps()),
                Integer.toString(config.batchSize())));
        if (BaseModel.isSaved(dir, NAME)) {
            out.println("Using the cached base LM in " + dir);
            return dir;
        }
        out.printf(Locale.ROOT, "Pretraining the base LM on %d sequences of %d tokens from all categories"
                + " (%d steps of %d)...%n", task.pretraining().count(), config.context(), config.pretrainSteps(),
                config.batchSize());
        attempts(attempt -> {
            // Attempt 2 repeats attempt 1 exactly (a transient fault leaves the usual base); attempt 3 halves the
            // learning rate (a base that diverges on this machine every time still gets trained).
            pretrain(config, task, dir, attempt < ATTEMPTS ? LEARNING_RATE : LEARNING_RATE / 2, out);
        }, out);
        return dir;
    }

    /**
     * Runs pretraining attempts until one does not diverge, at most {@link #ATTEMPTS}.
     *
     * @param attempt one attempt, given its number (1, 2, ...)
     * @param out where a retry is announced
     * @throws IllegalStateException when every attempt diverged
     */
    static void attempts(IntConsumer attempt, PrintStream out) {
        for (int n = 1; ; n++) {
            try {
                attempt.accept(n);
                return;
            } catch (TrainingDivergedException e) {
                if (n == ATTEMPTS) {
                    throw new IllegalStateException("pretraining the base LM diverged " + ATTEMPTS + " times; last: "
                            + e.getMessage(), e);
                }
                out.printf(Locale.ROOT, "  pretraining diverged (%s); retrying from the start%s%n", e.getMessage(),
                        n + 1 < ATTEMPTS ? " with the same settings" : " at half the learning rate");
            }
        }
    }

    private static void pretrain(LmConfig config, LmTask task, Path dir, float learningRate, PrintStream out) {
        Engine.getInstance().setRandomSeed((int) config.seed());
        TinyGpt net = newModel(config);
        try (Model model = Model.newInstance(NAME, "PyTorch")) {
            model.setBlock(net);
            TrainingListener progress = new TrainingListenerAdapter() {
                private long steps;

                @Override
                public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                    steps++;
                }

                @Override
                public void onEpoch(Trainer trainer) {
                    TrainingResult r = trainer.getTrainingResult();
                    out.printf(Locale.ROOT, "  pretraining step %4d/%d: held-out loss %.3f nats/token%n", steps,
                            config.pretrainSteps(), r.getValidateLoss());
                }
            };
            try (Trainer trainer = model.newTrainer(
                    Training.config(new SequenceCrossEntropyLoss(), learningRate, progress))) {
                trainer.initialize(new Shape(1, config.context()));
                // The adapters stay at their initial values (B = 0): the base is a plain transformer.
                net.layers().forEach(l -> l.attention().projections().forEach(p -> p.trainAdapter(false)));
                Training.fitInRounds(trainer, dataset(trainer.getManager(), task.pretraining(), config.batchSize(), true),
                        dataset(trainer.getManager(), task.pretrainValidation(), 64, false), config.pretrainSteps(),
                        Math.max(1, config.pretrainSteps() / ROUNDS), 0);
            }
            Files.createDirectories(dir);
            model.save(dir, NAME);
            out.println("Saved the base LM to " + dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pretrain or save the base LM in " + dir, e);
        } catch (TranslateException e) {
            throw new IllegalStateException("cannot read the pretraining text", e);
        }
    }

    /**
     * Makes the (uninitialised) network of these settings.
     *
     * @param config the settings
     * @return the network
     */
    public static TinyGpt newModel(LmConfig config) {
        return new TinyGpt(config.vocabulary(), config.context(), config.width(), config.heads(), config.depth(),
                config.adapterRank());
    }

    /**
     * Loads the cached base into a model.
     *
     * @param dir the directory {@link #loadOrPretrain} returned
     * @param net the network to load into (new, uninitialised)
     * @return the model; the caller closes it
     */
    public static Model load(Path dir, TinyGpt net) {
        Model model = Model.newInstance(NAME, "PyTorch");
        try {
            model.setBlock(net);
            model.load(dir, NAME);
            return model;
        } catch (IOException | MalformedModelException e) {
            model.close();
            throw new IllegalStateException("cannot load the base LM from " + dir + " (delete it to retrain)", e);
        }
    }

    /**
     * Puts token windows into a DJL dataset: data {@code [n, T]} input ids, labels {@code [n, T]} next ids.
     *
     * @param manager owns the arrays
     * @param windows the sequences
     * @param batchSize sequences per batch
     * @param shuffle whether to sample randomly (seeded by the engine's seed)
     * @return the dataset
     */
    public static ArrayDataset dataset(NDManager manager, LmTask.Windows windows, int batchSize, boolean shuffle) {
        return new ArrayDataset.Builder()
                .setData(manager.create(windows.inputs(), windows.shape()))
                .optLabels(manager.create(windows.targets(), windows.shape()))
                .setSampling(batchSize, shuffle)
                .build();
    }
}
