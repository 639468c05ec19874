package dev.driftwatch.examples.demo;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.translate.TranslateException;
import dev.driftwatch.plugin.DriftListener;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.report.DriftSink;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One fine-tuning run: loads the cached base, freezes what the method leaves alone, and trains on the
 * on-task images with a {@link DriftListener} measuring drift on the probe set at every round.
 */
final class FineTuneRun {

    /** How long training end waits for the sinks to deliver. */
    static final Duration DELIVERY_WAIT = Duration.ofSeconds(30);

    private final DemoConfig config;
    private final Path baseDir;
    private final ProbeSet probes;
    private final DemoTask.Examples train;
    private final DemoTask.Examples validation;
    private final List<String> tags;

    FineTuneRun(DemoConfig config, Path baseDir, ProbeSet probes, DemoTask.Examples train,
            DemoTask.Examples validation, List<String> tags) {
        this.config = config;
        this.baseDir = baseDir;
        this.probes = probes;
        this.train = train;
        this.validation = validation;
        this.tags = tags;
    }

    /**
     * Runs one method.
     *
     * @param method how to fine-tune
     * @param runKey the run's key
     * @param sinks where the drift reports go; the listener closes them at training end
     * @param out where progress goes
     * @return the outcome
     */
    RunResult run(FineTuneMethod method, String runKey, List<DriftSink> sinks, PrintStream out) {
        DriftListener.Builder builder = DriftListener.builder()
                .setProbeSet(probes)
                .optRunKey(runKey)
                .optRunName("Fashion-MNIST tops, " + method.label())
                .optMethod(method.wireName())
                .optTags(tags.toArray(String[]::new))
                .optConfig("learningRate", Float.toString(method.learningRate()))
                .optConfig("optimizer", "adam")
                .optConfig("batchSize", Integer.toString(config.batchSize()))
                .optConfig("steps", Integer.toString(config.steps()))
                .optConfig("adapterRank", Integer.toString(config.adapterRank()))
                .optConfig("seed", Long.toString(config.seed()))
                .optBootstrap(1000, config.seed())
                .optBaseCache(config.cacheDir().resolve("base-distributions"))
                // the demo wants every checkpoint on the service before it reads the verdicts back
                .optFlushTimeout(DELIVERY_WAIT);
        sinks.forEach(builder::addSink);
        DriftListener drift = builder.build();
        ProgressPrinter progress = new ProgressPrinter(drift, method.wireName(), config.steps(), out);

        Engine.getInstance().setRandomSeed((int) config.seed());
        DemoModel net = new DemoModel(config.adapterRank());
        ClassSubset onTask = new ClassSubset(DemoModel.CLASSES, DemoTask.ON_TASK_CLASSES);
        try (Model model = BaseModel.load(baseDir, net)) {
            TrainingResult result;
            try (Trainer trainer = model.newTrainer(Training.config(new OnTaskLoss(onTask), new OnTaskAccuracy(onTask),
                    method.learningRate(), drift, progress))) {
                // After newTrainer, which unfreezes every loaded parameter.
                method.applyTo(net);
                Training.fitInRounds(trainer, Training.dataset(trainer.getManager(), train, config.batchSize(), true),
                        Training.dataset(trainer.getManager(), validation, 256, false), config.steps(),
                        config.roundSteps(), config.stepDelayMillis());
                result = trainer.getTrainingResult();
            } // close() fires onTrainingEnd: the final checkpoint, the run end and the sinks' flush
            double fraction = drift.lastReport() != null && drift.lastReport().parameters() != null
                    ? drift.lastReport().parameters().trainableFraction() : Double.NaN;
            out.printf(Locale.ROOT, "  %-8s done: %.2f%% of the parameters trained%n", method.wireName(),
                    100 * fraction);
            return new RunResult(method.wireName(), runKey, fraction, result.getValidateLoss(),
                    result.getValidateEvaluation("Accuracy"), drift.lastReport());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (TranslateException e) {
            throw new IllegalStateException("cannot build a training batch", e);
        }
    }
}
