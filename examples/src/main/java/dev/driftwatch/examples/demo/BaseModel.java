package dev.driftwatch.examples.demo;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The pretrained base every fine-tuning run starts from: the demo MLP trained on all ten classes,
 * saved once in the cache directory (keyed by everything that shapes it) and loaded by every run.
 */
public final class BaseModel {

    /** The model name, and the prefix of the saved parameter file. */
    public static final String NAME = "fmnist-base";

    private BaseModel() {}

    /**
     * Returns the cached base's directory, pretraining and saving it first when it is not there.
     *
     * @param config the demo settings
     * @param data the data
     * @param out where progress goes
     * @return the directory holding the saved base
     */
    public static Path loadOrPretrain(DemoConfig config, DemoData data, PrintStream out) {
        Path dir = config.cacheDir().resolve("base-" + key(config, data));
        if (isSaved(dir, NAME)) {
            out.println("Using the cached base model in " + dir);
            return dir;
        }
        DemoTask.Examples examples = DemoTask.pretraining(data, config);
        out.printf(Locale.ROOT, "Pretraining the base model on %d images of all ten classes (%d epochs)...%n",
                examples.count(), config.pretrainEpochs());
        Engine.getInstance().setRandomSeed((int) config.seed());
        DemoModel net = new DemoModel(config.adapterRank());
        try (Model model = Model.newInstance(NAME, "PyTorch")) {
            model.setBlock(net.block());
            TrainingListener progress = new TrainingListenerAdapter() {
                private int epoch;

                @Override
                public void onEpoch(Trainer trainer) {
                    TrainingResult r = trainer.getTrainingResult();
                    out.printf(Locale.ROOT, "  pretraining epoch %d/%d: loss %.3f, accuracy %.1f%%%n", ++epoch,
                            config.pretrainEpochs(), r.getTrainLoss(), 100 * r.getTrainEvaluation("Accuracy"));
                }
            };
            try (Trainer trainer = model.newTrainer(
                    Training.config(new SoftmaxCrossEntropyLoss("loss"), new Accuracy(), 1e-3f, progress))) {
                trainer.initialize(DemoTask.batchShape(1));
                // The adapters stay at their initial values (B = 0): the base is a plain MLP.
                net.layers().forEach(l -> l.trainAdapter(false));
                EasyTrain.fit(trainer, config.pretrainEpochs(),
                        Training.dataset(trainer.getManager(), examples, 128, true), null);
            }
            Files.createDirectories(dir);
            model.save(dir, NAME);
            out.println("Saved the base model to " + dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pretrain or save the base model in " + dir, e);
        } catch (TranslateException e) {
            throw new IllegalStateException("cannot read the pretraining data", e);
        }
    }

    /**
     * Loads the cached base into a model.
     *
     * @param dir the directory {@link #loadOrPretrain} returned
     * @param net the network to load into (new, uninitialised)
     * @return the model; the caller closes it
     */
    public static Model load(Path dir, DemoModel net) {
        Model model = Model.newInstance(NAME, "PyTorch");
        try {
            model.setBlock(net.block());
            model.load(dir, NAME);
            return model;
        } catch (IOException | MalformedModelException e) {
            model.close();
            throw new IllegalStateException("cannot load the base model from " + dir + " (delete it to retrain)", e);
        }
    }

    /**
     * Tells whether a directory holds a saved model ({@code Model.save} names it {@code <name>-<epoch>.params}).
     *
     * @param dir the directory
     * @param name the model's name
     * @return true when a parameter file is there
     */
    public static boolean isSaved(Path dir, String name) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var files = Files.newDirectoryStream(dir, name + "-*.params")) {
            return files.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    /** A short hash of everything that shapes the base, so a changed setting pretrains a new one. */
    private static String key(DemoConfig config, DemoData data) {
        return cacheKey("v1", data.source(), Long.toString(config.seed()), Integer.toString(config.pretrainImages()),
                Integer.toString(config.pretrainEpochs()), Integer.toString(config.adapterRank()));
    }

    /**
     * Returns a short hash of everything that shapes a cached model, for its directory name.
     *
     * @param parts the settings, data source, ...
     * @return 12 hex characters
     */
    public static String cacheKey(String... parts) {
        String text = String.join("|", parts);
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
