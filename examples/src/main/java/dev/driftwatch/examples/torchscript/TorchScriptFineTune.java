package dev.driftwatch.examples.torchscript;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import dev.driftwatch.examples.demo.ProgressPrinter;
import dev.driftwatch.examples.demo.RunResult;
import dev.driftwatch.examples.demo.Training;
import dev.driftwatch.examples.lm.FortuneCorpus;
import dev.driftwatch.examples.lm.LmBaseModel;
import dev.driftwatch.examples.lm.LmConfig;
import dev.driftwatch.examples.lm.LmTask;
import dev.driftwatch.plugin.DriftListener;
import dev.driftwatch.plugin.loss.SequenceCrossEntropyLoss;
import dev.driftwatch.plugin.report.DriftSink;
import dev.driftwatch.plugin.sink.JsonLinesFileSink;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Brings your own exported model: fine-tunes a TorchScript file (a GPT-2-like LM written by PyTorch in
 * Python, see {@link TinyGptExport}) in DJL as a {@code PtSymbolBlock}, with the drift listener measuring
 * per-token drift from the file's weights on the LM demo's probes (fortunes, continuation positions,
 * on-task and off-task slices).
 *
 * <p>Two DJL settings make a TorchScript module trainable:
 * <ul>
 *   <li>load option {@code trainParam=true}: without it DJL loads the module under PyTorch's inference mode,
 *       so its parameters are inference tensors that autograd refuses to save ("Inference tensors cannot be
 *       saved for backward") and DJL freezes them;</li>
 *   <li>{@code JniUtils.setGraphExecutorOptimize(false)} on the training thread: DJL runs a forward with
 *       {@code training = false} (validation, the listener's probes) under inference mode, and TorchScript's
 *       optimising executor, having seen parameters that require gradients, runs it through a differentiable
 *       graph that again tries to save inference tensors for backward. Unoptimised, the interpreter runs the
 *       operators one by one and both kinds of forward work.</li>
 * </ul>
 *
 * <p>The data and the model's sizes are the LM demo's quick settings ({@link #config()}).
 *
 * <pre>
 * RunResult r = TorchScriptFineTune.run(exported.file(), task, "ts-1",
 *         List.of(new JsonLinesFileSink(Path.of("ts-1.jsonl"))), System.out);
 * </pre>
 */
public final class TorchScriptFineTune {

    /** Optimiser steps of the fine-tuning run. */
    public static final int STEPS = 40;
    /** Steps between validations and drift checkpoints. */
    public static final int ROUND_STEPS = 10;
    /** Adam's learning rate. */
    public static final float LEARNING_RATE = 2e-3f;
    /**
     * The parameters left frozen, by TorchScript name prefix: the first transformer block (attention, MLP
     * and its layer norms) stays as exported; the embeddings (the token one is also the LM head), the
     * other blocks and the final layer norm train.
     */
    public static final String FROZEN_PREFIX = "blocks.0.";
    /** Probe quotations per slice (five slices): fewer than the LM demo's, so each checkpoint is quick. */
    public static final int PROBES_PER_SLICE = 8;
    /** Probe sequences per forward pass of the measurement (bounds the [b, T, V] temporaries). */
    private static final int PROBE_BATCH = 32;

    private TorchScriptFineTune() {}

    /**
     * The data and model sizes: the LM demo's quick settings (vocabulary, context, width, fine-tuning and
     * probe categories) with {@value #PROBES_PER_SLICE} probes per slice. Nothing is cached.
     *
     * @return the settings
     */
    public static LmConfig config() {
        return LmConfig.quick(Path.of(System.getProperty("java.io.tmpdir"))).withProbesPerSlice(PROBES_PER_SLICE);
    }

    /**
     * Loads a TorchScript LM and fine-tunes it on the task's on-task text with a drift listener attached.
     *
     * @param modelFile the TorchScript file: input int64 token ids {@code [B, T]}, output logits {@code [B, T, V]}
     * @param task the data (V must match the model's)
     * @param runKey the run's key
     * @param sinks where the drift reports go; the listener closes them at training end
     * @param out where progress goes
     * @return the outcome
     */
    public static RunResult run(Path modelFile, LmTask task, String runKey, List<DriftSink> sinks, PrintStream out) {
        DriftListener.Builder builder = DriftListener.builder()
                .setProbeSet(task.probes())
                .optRunKey(runKey)
                .optRunName("TorchScript tiny GPT on fortunes, first block frozen")
                .optMethod("other")
                .optTags("torchscript", "lm")
                .optConfig("model", modelFile.getFileName().toString())
                .optConfig("frozen", FROZEN_PREFIX + "*")
                .optConfig("learningRate", Float.toString(LEARNING_RATE))
                .optConfig("optimizer", "adam")
                .optConfig("plannedSteps", Integer.toString(STEPS))
                .optBatchSize(PROBE_BATCH)
                .optVocabulary(task.vocabulary().tokens())
                .optBootstrap(1000, 11);
        sinks.forEach(builder::addSink);
        DriftListener drift = builder.build();
        ProgressPrinter progress = new ProgressPrinter(drift, "torchscript", STEPS, out);

        Engine.getInstance().setRandomSeed(11);
        // Per thread in libtorch: this thread runs every forward, the listener's probes included.
        JniUtils.setGraphExecutorOptimize(false);
        try (Model model = Model.newInstance(TinyGptExport.MODEL_NAME, "PyTorch")) {
            model.load(modelFile.getParent(), fileStem(modelFile), Map.of("trainParam", "true"));
            TrainingResult result;
            try (Trainer trainer = model.newTrainer(Training.config(new SequenceCrossEntropyLoss(), LEARNING_RATE,
                    drift, progress))) {
                // After newTrainer, which unfreezes every loaded parameter; the names are TorchScript's.
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    p.getValue().freeze(p.getKey().startsWith(FROZEN_PREFIX));
                }
                Training.fitInRounds(trainer,
                        LmBaseModel.dataset(trainer.getManager(), task.fineTuning(), 16, true),
                        LmBaseModel.dataset(trainer.getManager(), task.validation(), 64, false), STEPS, ROUND_STEPS, 0);
                result = trainer.getTrainingResult();
            } // close() fires onTrainingEnd: the final checkpoint, the run end and the sinks' flush
            double fraction = drift.lastReport() != null && drift.lastReport().parameters() != null
                    ? drift.lastReport().parameters().trainableFraction() : Double.NaN;
            out.printf(Locale.ROOT, "  torchscript done: %.2f%% of the parameters trained%n", 100 * fraction);
            return new RunResult("other", runKey, fraction, result.getValidateLoss(), Double.NaN, drift.lastReport());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (MalformedModelException e) {
            throw new IllegalStateException("DJL cannot load " + modelFile + " as a TorchScript module", e);
        } catch (TranslateException e) {
            throw new IllegalStateException("cannot build a training batch", e);
        } finally {
            JniUtils.setGraphExecutorOptimize(true); // libtorch's default, for whatever this thread runs next
        }
    }

    private static String fileStem(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".pt") ? name.substring(0, name.length() - 3) : name;
    }

    /**
     * Exports the model, fine-tunes it on the fortunes corpus and writes the drift reports to a JSON-lines
     * file (upload it later with {@code driftwatch-upload}).
     *
     * @param args optional: the JSON-lines file (default {@code torchscript-drift.jsonl})
     * @throws IOException when the work directory cannot be made
     */
    public static void main(String[] args) throws IOException {
        Path records = Path.of(args.length > 0 ? args[0] : "torchscript-drift.jsonl");
        String python = TinyGptExport.findPython().orElse(null);
        if (python == null) {
            System.err.println("No Python with PyTorch found (tried $" + TinyGptExport.PYTHON_ENV
                    + ", /usr/bin/python3, python3): install it with `sudo apt-get install "
                    + TinyGptExport.DEBIAN_PACKAGE + "`.");
            System.exit(2);
        }
        LmConfig config = config();
        if (!FortuneCorpus.isAvailable(config.corpusDir(), config.neededCategories())) {
            System.err.println("The fortunes corpus is not in " + config.corpusDir() + ": install it with `sudo apt-get"
                    + " install " + FortuneCorpus.DEBIAN_PACKAGE + "`.");
            System.exit(2);
        }
        LmTask task = LmTask.of(FortuneCorpus.load(config.corpusDir()), config);
        TinyGptExport.Exported model = TinyGptExport.export(python, Files.createTempDirectory("driftwatch-torchscript"),
                task.vocabulary().size(), config.context(), config.width(), config.heads(), config.depth(),
                config.seed());
        System.out.printf(Locale.ROOT, "Exported a GPT-2-like LM with random weights (%,d parameters in %d tensors,"
                + " V = %d, T = %d) with PyTorch %s to %s%n", model.parameters(), model.tensors().size(),
                task.vocabulary().size(), config.context(), model.torchVersion(), model.file());
        RunResult r = run(model.file(), task, "torchscript-1", List.of(new JsonLinesFileSink(records)), System.out);
        System.out.printf(Locale.ROOT, "Validation loss %.3f nats/token; KL(base||ft) %.4f nats/token; drift reports"
                + " in %s%n", r.validateLoss(), r.headline() == null ? Double.NaN : r.headline().mean(), records);
    }
}
