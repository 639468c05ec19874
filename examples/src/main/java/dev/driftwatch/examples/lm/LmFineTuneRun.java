package dev.driftwatch.examples.lm;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.translate.TranslateException;
import dev.driftwatch.examples.demo.ProgressPrinter;
import dev.driftwatch.examples.demo.RunResult;
import dev.driftwatch.examples.demo.Training;
import ai.djl.training.ParameterStore;
import dev.driftwatch.plugin.DriftListener;
import dev.driftwatch.plugin.SampledDrift;
import dev.driftwatch.plugin.loss.SequenceCrossEntropyLoss;
import dev.driftwatch.plugin.report.DriftSink;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One LM fine-tuning run: loads the cached base, freezes what the method leaves alone, and trains on
 * the on-task text with a {@link DriftListener} measuring per-token drift over the probes' continuation
 * positions at every round.
 */
final class LmFineTuneRun {

    /** How long training end waits for the sinks to deliver. */
    static final Duration DELIVERY_WAIT = Duration.ofSeconds(30);
    /** Prompts per slice the sampled drift continues. */
    private static final int SAMPLED_PROMPTS_PER_SLICE = 4;
    /** Tokens sampled after each prompt. */
    private static final int SAMPLED_TOKENS = 8;
    /** Probe sequences per forward pass of the measurement (bounds the [b, T, V] temporaries). */
    private static final int PROBE_BATCH = 32;

    private final LmConfig config;
    private final Path baseDir;
    private final LmTask task;
    private final List<String> tags;

    LmFineTuneRun(LmConfig config, Path baseDir, LmTask task, List<String> tags) {
        this.config = config;
        this.baseDir = baseDir;
        this.task = task;
        this.tags = List.copyOf(tags);
    }

    /** The first probes of every slice, cut to their prompt ({@code <eos>} and the prompt tokens). */
    private long[][] samplingPrompts() {
        java.util.List<long[]> prompts = new java.util.ArrayList<>();
        java.util.Map<String, Integer> perSlice = new java.util.HashMap<>();
        for (int i = 0; i < task.probes().size(); i++) {
            String slice = task.probes().slices().get(i);
            if (perSlice.merge(slice, 1, Integer::sum) <= SAMPLED_PROMPTS_PER_SLICE) {
                int[] row = task.probeTokens().get(i);
                long[] prompt = new long[config.promptTokens() + 1];
                for (int p = 0; p < prompt.length; p++) {
                    prompt[p] = row[p];
                }
                prompts.add(prompt);
            }
        }
        return prompts.toArray(long[][]::new);
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
    RunResult run(LmMethod method, String runKey, List<DriftSink> sinks, PrintStream out) {
        DriftListener.Builder builder = DriftListener.builder()
                .setProbeSet(task.probes())
                .optRunKey(runKey)
                .optRunName("fortunes LM on '" + config.onTask() + "', " + method.label())
                .optMethod(method.wireName())
                .optTags(tags.toArray(String[]::new))
                .optConfig("finetune", method.key())
                .optConfig("learningRate", Float.toString(method.learningRate()))
                .optConfig("optimizer", "adam")
                .optConfig("batchSize", Integer.toString(config.batchSize()))
                .optConfig("plannedSteps", Integer.toString(config.steps())) // the drift forecast's horizon
                .optConfig("vocabulary", Integer.toString(task.vocabulary().size()))
                .optConfig("context", Integer.toString(config.context()))
                .optConfig("adapterRank", Integer.toString(config.adapterRank()))
                .optConfig("seed", Long.toString(config.seed()))
                .optBatchSize(PROBE_BATCH)
                .optVocabulary(task.vocabulary().tokens())
                .optBootstrap(1000, config.seed())
                .optBaseCache(config.cacheDir().resolve("base-distributions"))
                .optFlushTimeout(DELIVERY_WAIT);
        sinks.forEach(builder::addSink);
        // sampled drift: continuations of prompt probes sampled from the fine-tuned model, scored by a frozen base copy
        Model base = LmBaseModel.load(baseDir, LmBaseModel.newModel(config));
        ParameterStore baseStore = new ParameterStore(base.getNDManager(), false);
        // the sampling input holds just the prompt and its continuation (TinyGpt takes any length up to T):
        // each step runs both models over [prompts, 15] instead of [prompts, 32] tokens
        int samplingContext = config.promptTokens() + 1 + SAMPLED_TOKENS;
        builder.optSampledDrift(new SampledDrift(samplingPrompts(), SAMPLED_TOKENS, samplingContext, 1.0,
                config.seed(), 1000), input -> base.getBlock().forward(baseStore, input, false).head());
        DriftListener drift = builder.build();
        ProgressPrinter progress = new ProgressPrinter(drift, method.key(), config.steps(), out);

        Engine.getInstance().setRandomSeed((int) config.seed());
        TinyGpt net = LmBaseModel.newModel(config);
        try (base; Model model = LmBaseModel.load(baseDir, net)) {
            TrainingResult result;
            try (Trainer trainer = model.newTrainer(Training.config(new SequenceCrossEntropyLoss(),
                    method.learningRate(), drift, progress))) {
                // After newTrainer, which unfreezes every loaded parameter.
                method.applyTo(net);
                Training.fitInRounds(trainer,
                        LmBaseModel.dataset(trainer.getManager(), task.fineTuning(), config.batchSize(), true),
                        LmBaseModel.dataset(trainer.getManager(), task.validation(), 64, false),
                        Training.earlyDenseRounds(config.steps(), config.roundSteps()), config.stepDelayMillis());
                result = trainer.getTrainingResult();
            } // close() fires onTrainingEnd: the final checkpoint, the run end and the sinks' flush
            double fraction = drift.lastReport() != null && drift.lastReport().parameters() != null
                    ? drift.lastReport().parameters().trainableFraction() : Double.NaN;
            out.printf(Locale.ROOT, "  %-10s done: %.2f%% of the parameters trained%n", method.key(), 100 * fraction);
            return new RunResult(method.wireName(), runKey, fraction, result.getValidateLoss(), Double.NaN,
                    drift.lastReport());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (TranslateException e) {
            throw new IllegalStateException("cannot build a training batch", e);
        }
    }
}
