package dev.driftwatch.plugin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.Trainer;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.RunKey;
import dev.driftwatch.contract.RunStatus;
import dev.driftwatch.contract.WireText;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.report.DriftSink;
import dev.driftwatch.plugin.sink.LoggingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code TrainingListener} that measures how far a fine-tuning run drifts from its base model: at
 * each checkpoint it runs a fixed probe set through the model ({@code training = false}, on the
 * training thread) and compares the output distributions with the base's (KL both ways, JS, TV,
 * top-1 agreement, entropies; per example, aggregated with quantiles and a bootstrap CI, per slice),
 * and measures how far the parameters moved. Results go to {@link DriftSink}s.
 *
 * <p>The base is captured before the first parameter update: at training begin when the model is
 * already initialised (a loaded base model), otherwise on the first batch before the optimiser step.
 * Outside guardrail mode the listener never throws into training: failures are logged and the run
 * goes on; NaN or Inf in the model output is reported as an invalid checkpoint.
 *
 * <p>The probe set fixes the shapes: each probe input is {@code [N, ...]} (float32, int32 or int64, in
 * the order the model takes its inputs), the model's output at {@code optOutputIndex} must be logits
 * {@code [b, V]} for a classifier or {@code [b, T, V]} for a sequence model, whose probe set then has
 * a float mask {@code [N, T]} of the scored positions (see {@link ProbeSet}). A mismatch is logged
 * with the expected and the given shapes, and the run is not measured.
 *
 * <pre>
 * DriftListener drift = DriftListener.builder()
 *         .setProbeSet(probes)
 *         .optRunKey("fmnist-full-1")
 *         .optEveryNSteps(100)
 *         .addSink(HttpDriftSink.builder().build())   // DRIFTWATCH_URL, _PROJECT, _TOKEN; or a JsonLinesFileSink
 *         .build();
 * TrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
 *         .addTrainingListeners(TrainingListener.Defaults.logging())
 *         .addTrainingListeners(drift);
 * try (Trainer trainer = model.newTrainer(config)) {
 *     EasyTrain.fit(trainer, epochs, train, validate);
 * } // onTrainingEnd (from close) takes a final measurement and finishes the run
 * </pre>
 */
public class DriftListener extends TrainingListenerAdapter {

    private static final Logger logger = LoggerFactory.getLogger(DriftListener.class);
    /** The config entries the listener adds to every run (unless set). */
    private static final String CONFIG_APPROXIMATION = "driftwatch.approximation";
    private static final String CONFIG_PROBE_COUNT = "driftwatch.probeCount";
    /** Prefix of the model properties a saved checkpoint carries. */
    public static final String PROPERTY_PREFIX = "driftwatch.";
    /** Model property that carries the headline drift of a saved checkpoint. */
    public static final String PROPERTY_KL = PROPERTY_PREFIX + Metric.KL_BASE_FT.wireName();
    /** Model property that carries the forgetting (all probes) of a saved checkpoint with labelled probes. */
    public static final String PROPERTY_FORGETTING = PROPERTY_PREFIX + Metric.FORGETTING.wireName();
    /** Metrics written into saved checkpoints, when measured. */
    private static final List<Metric> SAVED_METRICS =
            List.of(Metric.KL_BASE_FT, Metric.FORGETTING, Metric.ACCURACY_DROP, Metric.TASK_LOSS_FT);

    private final DriftSettings settings;
    private final DriftMeter meter;
    private final SinkFanOut sink;
    private final String runKey;
    private final String runName;
    private final String method;
    private final List<String> tags;
    private final Map<String, String> config;
    private final int everyNSteps;
    private final boolean everyEpoch;
    private final boolean atStart;
    private final boolean atEnd;
    private final double guardrailLimit;
    private final Duration flushTimeout;
    private final SampledDrift sampled;
    private final Function<NDList, NDArray> sampledBase;

    private long batches;
    private int epochs;
    private long lastMeasuredStep = -1;
    /** {@link #batches} when the last epoch ended. */
    private long batchesAtEpochEnd;
    private boolean started;
    private boolean finished;
    private RunStatus status = RunStatus.COMPLETED;
    private Instant startedAt;
    private CheckpointReport lastReport;
    private MeasurementCost cost = MeasurementCost.NONE;
    /** When the last checkpoint (or the base capture) ended ({@link System#nanoTime}), or -1 before. */
    private long lastCheckpointEnd = -1;
    /** How many checkpoints after step 0 have had their cost logged at INFO (the first two are). */
    private int costsLogged;
    /** How long the current checkpoint's sampled drift took. */
    private Duration lastSampledDrift = Duration.ZERO;

    /**
     * Creates the listener from a builder.
     *
     * @param b the builder
     */
    protected DriftListener(Builder b) {
        this.settings = b.buildSettings();
        this.meter = new DriftMeter(settings);
        this.meter.useVocabulary(b.vocabulary);
        this.sink = new SinkFanOut(b.sinks.isEmpty() ? List.of(new LoggingSink()) : b.sinks);
        this.runKey = b.runKey != null ? b.runKey : defaultRunKey();
        this.runName = b.runName != null ? b.runName : runKey;
        this.method = b.method;
        this.tags = List.copyOf(b.tags);
        this.config = Map.copyOf(b.config);
        this.everyNSteps = b.everyNSteps;
        this.everyEpoch = b.everyEpoch;
        this.atStart = b.atStart;
        this.atEnd = b.atEnd;
        this.guardrailLimit = b.guardrailLimit;
        this.flushTimeout = b.flushTimeout;
        this.sampled = b.sampled;
        this.sampledBase = b.sampledBase;
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@inheritDoc} */
    @Override
    public void onTrainingBegin(Trainer trainer) {
        if (finished) {
            // its sinks are closed and its run has ended: measuring again would go nowhere
            logger.warn("driftwatch: this listener measured run '{}', which has ended; a DriftListener measures one"
                    + " run: build a new one (and new sinks) for each training", runKey);
            return;
        }
        startedAt = Instant.now();
        safely("capture the base", () -> {
            if (trainer.getModel().getBlock().isInitialized()) {
                captureBase(trainer);
            }
        });
    }

    /** {@inheritDoc} */
    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        // Listeners see a batch after its backward pass and before the optimiser step, so the
        // parameters now reflect `batches` updates.
        long step = batches++;
        CheckpointReport report = null;
        if (!finished) {
            report = safely("measure", () -> {
                if (!ensureStarted(trainer)) {
                    return null;
                }
                boolean due = (atStart && step == 0) || (everyNSteps > 0 && step > 0 && step % everyNSteps == 0);
                return due ? checkpoint(trainer, step, false) : null;
            });
        }
        guard(report);
    }

    /** {@inheritDoc} */
    @Override
    public void onEpoch(Trainer trainer) {
        epochs++;
        batchesAtEpochEnd = batches;
        CheckpointReport report = null;
        if (everyEpoch && !finished) {
            report = safely("measure", () -> ensureStarted(trainer) ? checkpoint(trainer, batches, true) : null);
        }
        guard(report);
    }

    /** {@inheritDoc} */
    @Override
    public void onTrainingEnd(Trainer trainer) {
        if (finished) {
            return;
        }
        // mid-epoch (DJL resets the running loss at each epoch's end, to NaN): a NaN or infinite loss means
        // training diverged, e.g. stopped by DJL's DivergenceCheckTrainingListener
        if (status == RunStatus.COMPLETED && batches > batchesAtEpochEnd && trainingLossIsNotFinite(trainer)) {
            status = RunStatus.FAILED;
            logger.warn("driftwatch: the training loss is not finite at step {}: run '{}' ends failed", batches, runKey);
        }
        // each step runs even when one before it failed with an error of a broken JVM (which then goes on up):
        // the sinks are still flushed and closed, the meter's memory still released
        List<EndStep> steps = List.of(
                // after a guardrail stop the weights are those of the checkpoint that stopped it: nothing to measure
                new EndStep("measure at the end", () -> {
                    if (atEnd && started && meter.isCaptured() && lastMeasuredStep != batches
                            && status != RunStatus.STOPPED) {
                        checkpoint(trainer, batches, true);
                    }
                }),
                // the run's end is sent even when its last measurement failed
                new EndStep("finish the run", () -> {
                    try {
                        if (started) {
                            sink.runFinished(new RunEnd(runKey, status.wireName(), Instant.now()));
                            logger.info("driftwatch: {}", cost.describe());
                        }
                    } finally {
                        finished = true;
                    }
                }),
                new EndStep("flush the sinks", () -> {
                    // a zero timeout asks without waiting; the streaming client then spools the rest at close
                    if (!sink.flush(flushTimeout) && !flushTimeout.isZero()) {
                        logger.warn("driftwatch: sinks did not deliver everything within {}", flushTimeout);
                    }
                }),
                new EndStep("close the sinks", sink::close),
                new EndStep("release the meter's memory", meter::close));
        Failures.each(steps, step -> step.action().run(), (step, e) -> goOn(step.what(), e));
    }

    /** One of {@link #onTrainingEnd}'s steps, and what it does, for the log. */
    private record EndStep(String what, Runnable action) {}

    /**
     * Returns a callback for {@code SaveModelTrainingListener.setSaveModelCallback}: it measures the
     * model about to be saved (or reuses this step's measurement) and stores the drift in the model's
     * properties, which DJL writes into the saved {@code .params} file: {@link #PROPERTY_KL} ({@code driftwatch.kl_base_ft}) with
     * {@code _ci_low} / {@code _ci_high}, {@code driftwatch.step}, and, when the probes carry targets,
     * {@code driftwatch.forgetting}, {@code driftwatch.accuracy_drop} and {@code driftwatch.task_loss_ft}
     * (each with its interval). So the user can pick the saved file by its drift and forgetting.
     *
     * @return the callback
     */
    public Consumer<Trainer> saveModelCallback() {
        return trainer -> {
            CheckpointReport report = safely("measure for save", () -> {
                if (finished) {
                    // saved after training ended (a save listener added after this one): the base is released
                    // and the sinks closed, so only this step's own measurement can be used
                    if (lastReport != null && lastMeasuredStep == batches) {
                        return lastReport;
                    }
                    logger.warn("driftwatch: the model is saved after run '{}' ended and step {} was not measured;"
                            + " add the save listener before the DriftListener to have its drift in the file",
                            runKey, batches);
                    return null;
                }
                if (!ensureStarted(trainer)) {
                    return null;
                }
                if (lastReport != null && lastMeasuredStep == batches) {
                    return lastReport;
                }
                return checkpoint(trainer, batches, true);
            });
            if (report != null && report.valid()) {
                for (Metric metric : SAVED_METRICS) {
                    MetricSummary m = report.metrics().get(metric.wireName());
                    if (m != null) {
                        String key = PROPERTY_PREFIX + metric.wireName();
                        trainer.getModel().setProperty(key, Double.toString(m.mean()));
                        trainer.getModel().setProperty(key + "_ci_low", Double.toString(m.ciLow()));
                        trainer.getModel().setProperty(key + "_ci_high", Double.toString(m.ciHigh()));
                    }
                }
                trainer.getModel().setProperty(PROPERTY_PREFIX + "step", Long.toString(report.step()));
            }
            guard(report);
        };
    }

    /**
     * Marks the run failed: the run's end, sent when training ends ({@link #onTrainingEnd}), then says
     * {@code failed} instead of {@code completed}. The listener cannot see an exception that ends training
     * (DJL's {@code Trainer.close} ends the run the same way either way); DJL's divergence check is the one
     * it recognises by itself. Call it where the exception is caught, before the trainer is closed: a
     * {@code catch} of the try-with-resources statement that holds the trainer runs after its
     * {@code close}, so catch inside it:
     *
     * <pre>{@code
     * try (Trainer trainer = model.newTrainer(config)) {
     *     try {
     *         EasyTrain.fit(trainer, epochs, train, validate);
     *     } catch (RuntimeException e) {
     *         drift.markFailed(e);
     *         throw e;
     *     }
     * }
     * }</pre>
     *
     * <p>After a guardrail stop the run stays {@code stopped}; after the run has ended, this only logs that
     * it came too late.
     *
     * @param cause what ended training, for the log; may be null
     */
    public void markFailed(Throwable cause) {
        if (finished) {
            logger.warn("driftwatch: run '{}' has already ended as {}; markFailed comes too late (call it before the"
                    + " trainer is closed)", runKey, status.wireName());
        } else if (status != RunStatus.STOPPED) {
            status = RunStatus.FAILED;
            logger.warn("driftwatch: run '{}' will end failed: {}", runKey, cause == null ? "(no cause given)" : cause);
        }
    }

    /**
     * Returns the most recent checkpoint report.
     *
     * @return the report, or null before the first checkpoint
     */
    public CheckpointReport lastReport() {
        return lastReport;
    }

    /**
     * Returns the run key the reports carry.
     *
     * @return the run key
     */
    public String runKey() {
        return runKey;
    }

    /**
     * Captures the base (its forward over the probes, or the base cache read), timed and logged.
     *
     * @return when it ended ({@link System#nanoTime()})
     */
    private long captureBase(Trainer trainer) {
        long captureStart = System.nanoTime();
        meter.captureBase(trainer);
        long end = System.nanoTime();
        cost = cost.withBaseCapture(Duration.ofNanos(end - captureStart));
        logger.info("driftwatch: base captured in {} ({}, {} probes)", MeasurementCost.seconds(cost.baseCapture()),
                meter.approximation(), settings.probes().size());
        return end;
    }

    /** Captures the base if still needed and announces the run once; false when measuring is impossible. */
    private boolean ensureStarted(Trainer trainer) {
        if (!meter.isCaptured()) {
            if (batches > 1 && !started) {
                return false; // capture failed before the first update; measuring now would compare against a moved base
            }
            // captured at the first batch: the training from here on counts (captured when training began, in the
            // trainer's constructor, the time before the first batch is the job's setup, not training)
            lastCheckpointEnd = captureBase(trainer);
        }
        if (!started) {
            started = true;
            long total = meter.totalParameters();
            long trainable = meter.trainableParameters();
            String m = method != null ? method : (trainable == total ? "full" : "other");
            Map<String, String> cfg = new LinkedHashMap<>(config);
            cfg.putIfAbsent(CONFIG_APPROXIMATION, meter.approximation());
            cfg.putIfAbsent(CONFIG_PROBE_COUNT, Integer.toString(settings.probes().size()));
            if (sampled != null) {
                sampled.config().forEach(cfg::putIfAbsent);
            }
            sink.runStarted(new RunInfo(runKey, runName, m, tags, meter.baseFingerprint(),
                    settings.probes().fingerprint(), total, trainable, settings.temperature(), cfg,
                    startedAt != null ? startedAt : Instant.now()));
        }
        return true;
    }

    private CheckpointReport checkpoint(Trainer trainer, long step, boolean epochEnd) {
        if (step == lastMeasuredStep) {
            return null;
        }
        long start = System.nanoTime();
        lastSampledDrift = Duration.ZERO;
        DriftMeter.Measurement m = meter.measure(trainer);
        Map<String, Double> task = TaskMetrics.collect(trainer, epochEnd);
        CheckpointReport report;
        if (m.valid()) {
            report = new CheckpointReport(runKey, step, epochs, Instant.now(), true, null, meter.approximation(),
                    settings.temperature(), settings.probes().size(), withSampled(trainer, step, m.aggregates().metrics()),
                    m.aggregates().slices(), m.aggregates().top(), m.parameters(), task);
        } else {
            logger.warn("driftwatch: checkpoint at step {} is invalid: {}", step, m.invalidReason());
            report = new CheckpointReport(runKey, step, epochs, Instant.now(), false, m.invalidReason(),
                    meter.approximation(), settings.temperature(), 0, Map.of(), List.of(), List.of(), m.parameters(),
                    task);
        }
        lastMeasuredStep = step;
        lastReport = report;
        sink.checkpoint(report);
        count(step, start);
        return report;
    }

    /** Adds a checkpoint that started at {@code start} to the cost, and says what it cost (once at INFO). */
    private void count(long step, long start) {
        long end = System.nanoTime();
        MeasurementCost checkpoint = MeasurementCost.checkpoint(Duration.ofNanos(end - start),
                meter.lastParameterDriftTime(), meter.lastTokenDetailTime(), lastSampledDrift);
        Duration trained = lastCheckpointEnd < 0 ? Duration.ZERO : Duration.ofNanos(start - lastCheckpointEnd);
        cost = cost.plus(checkpoint, trained);
        lastCheckpointEnd = end;
        if (costsLogged < 2 && step > 0) {
            // the first two checkpoints after some training: what one costs, against the training before it.
            // The first is the stable ranks' cold start (a Krylov space five times as deep, from random
            // vectors); later ones start from the checkpoint before, so the second shows the usual cost.
            costsLogged++;
            boolean cold = costsLogged == 1 && settings.parameterDrift() && settings.stableRankIterations() > 0;
            logger.info("driftwatch: the checkpoint at step {} took {}, {} of training since the last one{}", step,
                    checkpoint.measuringWithParts(), MeasurementCost.seconds(trained),
                    cold ? " (its stable ranks start cold; later checkpoints start from its vectors)" : "");
        } else if (logger.isDebugEnabled()) {
            logger.debug("driftwatch: the checkpoint at step {} took {}", step, checkpoint.measuringWithParts());
        }
    }

    /**
     * Returns what measuring has cost this run so far (wall clock on the training thread). Also logged
     * at INFO: the first two checkpoints after step 0 against the training before each, and the whole run when
     * training ends.
     *
     * @return the cost
     */
    public MeasurementCost cost() {
        return cost;
    }

    /**
     * The metrics plus the sampled estimates, when sampled drift is on and the sampling works. Not at
     * step 0: the model is then the base, both estimates are exactly 0, and sampling would cost as much
     * as at any other checkpoint.
     */
    private Map<String, MetricSummary> withSampled(Trainer trainer, long step, Map<String, MetricSummary> metrics) {
        if (sampled == null || step == 0) {
            return metrics;
        }
        long start = System.nanoTime();
        SampledDrift.Estimate e = safely("sample continuations", () -> sampled.estimate(
                in -> trainer.evaluate(in).get(settings.outputIndex()), sampledBase, trainer.getManager()));
        lastSampledDrift = Duration.ofNanos(System.nanoTime() - start);
        if (e == null) {
            return metrics;
        }
        e.disagreement().ifPresent(warning -> {
            // every time: it says which checkpoints' k3 not to trust
            logger.warn("driftwatch: step {}: {}", step, warning);
        });
        Map<String, MetricSummary> all = new LinkedHashMap<>(metrics);
        all.putAll(e.wireMetrics());
        return all;
    }

    /** Whether the loss the trainer was accumulating is NaN or infinite: training diverged. */
    private static boolean trainingLossIsNotFinite(Trainer trainer) {
        try {
            return trainer.getLoss() != null
                    && !Float.isFinite(trainer.getLoss().getAccumulator(EvaluatorTrainingListener.TRAIN_PROGRESS));
        } catch (RuntimeException e) {
            return false; // no accumulator (nothing trained, or another loop): nothing says it failed
        }
    }

    /** In guardrail mode, stops training when the headline CI's lower bound passes the limit. */
    private void guard(CheckpointReport report) {
        if (Double.isNaN(guardrailLimit) || report == null || !report.valid()) {
            return;
        }
        MetricSummary h = report.headline();
        if (h != null && h.ciLow() > guardrailLimit) {
            status = RunStatus.STOPPED;
            logger.warn("driftwatch: guardrail stops training at step {}", report.step());
            throw new DriftLimitExceededException(report.step(), h.ciLow(), guardrailLimit);
        }
    }

    private interface Action<T> {
        T run() throws Exception;
    }

    private <T> T safely(String what, Action<T> action) {
        try {
            return action.run();
        } catch (Error e) { // measuring never ends the training job, unless the JVM itself is broken
            if (!Failures.recoverable(e)) {
                throw e;
            }
            return goOn(what, e);
        } catch (Exception e) {
            return goOn(what, e);
        }
    }

    private <T> T goOn(String what, Throwable e) {
        logger.warn("driftwatch: could not {} (training goes on): {}", what, e.toString(), e);
        return null;
    }

    private void safely(String what, Runnable action) {
        safely(what, () -> {
            action.run();
            return null;
        });
    }

    private static String defaultRunKey() {
        return "run-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC)
                .format(Instant.now()) + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000));
    }

    /** Configures a {@link DriftListener}: {@code setX} for required settings, {@code optX} for optional ones. */
    public static final class Builder {
        private ProbeSet probes;
        private final List<DriftSink> sinks = new ArrayList<>();
        private String runKey;
        private String runName;
        private String method;
        private final List<String> tags = new ArrayList<>();
        private final Map<String, String> config = new LinkedHashMap<>();
        private double temperature = 1.0;
        private int outputIndex;
        private int batchSize = 256;
        private long memoryBudgetBytes = 256L << 20;
        private int topK = 64;
        private int tailSamples = 192;
        private Path baseCacheDirectory;
        private int bootstrapResamples = 1000;
        private long seed = 42;
        private int topExamples = 10;
        private boolean parameterDrift = true;
        private int stableRankIterations = 2;
        private boolean helperThread = true;
        private int everyNSteps;
        private boolean everyEpoch = true;
        private boolean atStart = true;
        private boolean atEnd = true;
        private double guardrailLimit = Double.NaN;
        private Duration flushTimeout = Duration.ofSeconds(10);
        private List<String> vocabulary;
        private SampledDrift sampled;
        private Function<NDList, NDArray> sampledBase;

        private Builder() {}

        /**
         * Turns on sampled drift: at every checkpoint after step 0, continuations are sampled from the model being
         * trained on the estimator's prompts, and KL(fine-tuned || base) is estimated on them with k1 and
         * k3 (metrics {@code kl_ft_base_k1}, {@code kl_ft_base_k3} and their {@code _seq} sums; the
         * temperature and seed go into the run's config). The base's logits come from the function given,
         * typically a frozen copy of the base model. These are sampled estimates; the exact metrics of the
         * probe set stay the headline. Each checkpoint runs both models {@code length} times over all
         * prompts: keep the prompts few and the estimator's context short (see docs/metrics.md).
         *
         * <pre>
         * Model base = ...; // the base model, loaded a second time
         * ParameterStore store = new ParameterStore(base.getNDManager(), false);
         * builder.optSampledDrift(new SampledDrift(prompts, 8, 32, 1.0, 7, 1000),
         *         input -&gt; base.getBlock().forward(store, input, false).head());
         * </pre>
         *
         * @param sampled the estimator (prompts, length, temperature, seed)
         * @param baseLogits the base model's logits {@code [N, T, V]} for token ids {@code [N, T]}
         * @return this builder
         */
        public Builder optSampledDrift(SampledDrift sampled,
                Function<NDList, NDArray> baseLogits) {
            if ((sampled == null) != (baseLogits == null)) {
                // the estimate needs both: else a NullPointerException at every checkpoint
                throw new IllegalArgumentException("sampled drift needs both the SampledDrift and the base model's"
                        + " logits function (or neither, to turn it off)");
            }
            this.sampled = sampled;
            this.sampledBase = baseLogits;
            return this;
        }

        /**
         * Gives the listener a vocabulary, so that the top drifting examples of a sequence probe set
         * carry their text as tokens, the KL of every token's prediction and, at the worst positions, the
         * base's and the fine-tuned model's most likely tokens with their probabilities. The probe set's
         * first input must hold the token ids.
         *
         * @param tokens the text of token id i at index i
         * @return this builder
         */
        public Builder optVocabulary(List<String> tokens) {
            this.vocabulary = List.copyOf(tokens);
            return this;
        }

        /**
         * Sets the probe set (required).
         *
         * @param probes the probes
         * @return this builder
         */
        public Builder setProbeSet(ProbeSet probes) {
            this.probes = probes;
            return this;
        }

        /**
         * Adds a sink; with none, a {@link LoggingSink} is used.
         *
         * @param sink where the records go
         * @return this builder
         */
        public Builder addSink(DriftSink sink) {
            sinks.add(sink);
            return this;
        }

        /**
         * Sets the run key, unique within the project ({@link RunKey}; default
         * {@code run-<utc time>-<random>}).
         *
         * @param runKey the key
         * @return this builder
         */
        public Builder optRunKey(String runKey) {
            RunKey.require(runKey);
            this.runKey = runKey;
            return this;
        }

        /**
         * Sets the human-readable run name (default: the run key).
         *
         * @param name 1-200 characters, not all white space
         * @return this builder
         */
        public Builder optRunName(String name) {
            if (name == null || name.isBlank() || name.length() > RunInfo.MAX_NAME_LENGTH) {
                throw new IllegalArgumentException("run name must be 1-" + RunInfo.MAX_NAME_LENGTH
                        + " characters, not all white space");
            }
            this.runName = storable("run name", name);
            return this;
        }

        /** The service refuses a run whose text breaks {@link WireText}: refused here, where it is set. */
        private static String storable(String what, String text) {
            String problem = WireText.problem(text);
            if (problem != null) {
                throw new IllegalArgumentException(what + " " + problem);
            }
            return text;
        }

        /**
         * Sets the fine-tuning method (default: {@code full} when every weight is trainable, else {@code other}).
         *
         * @param method {@code full}, {@code head}, {@code adapter}, {@code lora} or {@code other}
         * @return this builder
         */
        public Builder optMethod(String method) {
            if (!List.of("full", "head", "adapter", "lora", "other").contains(method)) {
                throw new IllegalArgumentException("method must be full, head, adapter, lora or other: " + method);
            }
            this.method = method;
            return this;
        }

        /**
         * Adds tags for filtering runs. The service takes a run with at most {@value RunInfo#MAX_TAGS} tags of 1 to
         * {@value RunInfo#MAX_TAG_LENGTH} characters, and would refuse it, with everything measured in it, otherwise:
         * such tags are refused here.
         *
         * @param tags labels
         * @return this builder
         * @throws IllegalArgumentException for a tag the service would refuse, or too many
         */
        public Builder optTags(String... tags) {
            for (String tag : tags) {
                if (tag == null || tag.isEmpty() || tag.length() > RunInfo.MAX_TAG_LENGTH) {
                    throw new IllegalArgumentException("a tag must have 1 to " + RunInfo.MAX_TAG_LENGTH + " characters: "
                            + tag);
                }
                storable("tag", tag);
            }
            if (this.tags.size() + tags.length > RunInfo.MAX_TAGS) {
                throw new IllegalArgumentException("a run has at most " + RunInfo.MAX_TAGS + " tags");
            }
            this.tags.addAll(List.of(tags));
            return this;
        }

        /**
         * Adds a free-form setting worth keeping with the run (learning rate, batch size, ...). The service takes
         * at most {@value RunInfo#MAX_CONFIG_ENTRIES} settings (the listener adds a few of its own), keys of 1 to
         * {@value RunInfo#MAX_CONFIG_KEY_LENGTH} characters and values of at most
         * {@value RunInfo#MAX_CONFIG_VALUE_LENGTH}; it reads {@value RunInfo#PLANNED_STEPS}, the planned final step,
         * which must be a decimal step. Anything else would make it refuse the run: it is refused here.
         *
         * @param key the setting
         * @param value its value
         * @return this builder
         * @throws IllegalArgumentException for a setting the service would refuse
         */
        public Builder optConfig(String key, String value) {
            if (key == null || key.isEmpty() || key.length() > RunInfo.MAX_CONFIG_KEY_LENGTH) {
                throw new IllegalArgumentException("a config key must have 1 to " + RunInfo.MAX_CONFIG_KEY_LENGTH
                        + " characters: " + key);
            }
            if (value == null || value.length() > RunInfo.MAX_CONFIG_VALUE_LENGTH) {
                throw new IllegalArgumentException("config " + key + " must be a text of at most "
                        + RunInfo.MAX_CONFIG_VALUE_LENGTH + " characters");
            }
            storable("config key", key);
            storable("config " + key, value);
            if (key.equals(RunInfo.PLANNED_STEPS) && RunInfo.plannedSteps(value) == null) {
                throw new IllegalArgumentException("config " + RunInfo.PLANNED_STEPS + " must be a whole number from 1 to "
                        + CheckpointReport.MAX_STEP + " (the planned final step): " + value);
            }
            config.put(key, value);
            return this;
        }

        /**
         * Sets the softmax temperature tau of the measurement (default 1).
         *
         * @param temperature tau > 0
         * @return this builder
         */
        public Builder optTemperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /**
         * Sets which element of the model's output holds the logits (default 0).
         *
         * @param outputIndex the index
         * @return this builder
         */
        public Builder optOutputIndex(int outputIndex) {
            this.outputIndex = outputIndex;
            return this;
        }

        /**
         * Sets how many probe examples go through one forward pass (default 256).
         *
         * @param batchSize examples per batch
         * @return this builder
         */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the memory budget for the base's full logits (default 256 MiB); beyond it each position keeps
         * the base's top-k classes, its tail mass and m sampled tail classes (see {@link #optTailSamples}).
         *
         * @param bytes the budget
         * @return this builder
         */
        public Builder optMemoryBudget(long bytes) {
            this.memoryBudgetBytes = bytes;
            return this;
        }

        /**
         * Sets k of the top-k approximation (default 64).
         *
         * @param k classes kept per position
         * @return this builder
         */
        public Builder optTopK(int k) {
            this.topK = k;
            return this;
        }

        /**
         * Sets m, the tail classes sampled per position beyond the top k when the base does not fit the
         * memory budget (default 192: with k = 64 the memory of top-256). The tail's share of each
         * divergence is then estimated without bias from them (approximation {@code topk(k)+tail(m)});
         * 0 keeps only the k + 1-bin lower bound ({@code topk(k)}).
         *
         * @param m samples per position, 0 or at least 2
         * @return this builder
         */
        public Builder optTailSamples(int m) {
            this.tailSamples = m;
            return this;
        }

        /**
         * Caches captured bases in a directory, keyed by the base-model and probe-set fingerprints, so
         * runs from the same base reuse them.
         *
         * @param directory the cache directory
         * @return this builder
         */
        public Builder optBaseCache(Path directory) {
            this.baseCacheDirectory = directory;
            return this;
        }

        /**
         * Sets the bootstrap (defaults: 1000 resamples, seed 42).
         *
         * @param resamples at least 1000
         * @param seed the seed
         * @return this builder
         */
        public Builder optBootstrap(int resamples, long seed) {
            this.bootstrapResamples = resamples;
            this.seed = seed;
            return this;
        }

        /**
         * Sets how many top drifting examples each checkpoint lists (default 10).
         *
         * @param count the number
         * @return this builder
         */
        public Builder optTopExamples(int count) {
            if (count < 0 || count > CheckpointReport.DEFAULT_MAX_TOP_EXAMPLES) {
                // the service's default driftwatch.ingest.max-top-examples refuses checkpoints with more
                throw new IllegalArgumentException("top examples must be 0 to "
                        + CheckpointReport.DEFAULT_MAX_TOP_EXAMPLES + "; given " + count);
            }
            this.topExamples = count;
            return this;
        }

        /**
         * Turns parameter drift on or off (default on).
         *
         * @param enabled whether to measure it
         * @return this builder
         */
        public Builder optParameterDrift(boolean enabled) {
            this.parameterDrift = enabled;
            return this;
        }

        /**
         * Lets a helper thread work beside the probe forward where cores are free for it (default on): on the CPU,
         * when PyTorch's threads per operation ({@code ai.djl.pytorch.num_threads}, else {@code OMP_NUM_THREADS},
         * else every core) are at most half the cores (the helper's operations use as many); not on a GPU; with
         * the PyTorch engine (the helper turns its autograd off through it). The helper runs the parameter drift while the
         * probe forward runs (the parameter drift of a 58M-parameter transformer takes ~0.3 s of one core per
         * checkpoint), and where the logits are a language model's, compares each forward's logits with the base
         * while the next forward runs (the probe forward then goes through in forwards of at most a quarter of the
         * probe set) and shares the comparison of the last one. Off, or without a free core, all of it runs on the
         * training thread. Either way the checkpoint's numbers are the same, and the training thread waits for the
         * helper before it returns: training never changes a weight that is being measured.
         *
         * @param enabled whether to
         * @return this builder
         */
        public Builder optHelperThread(boolean enabled) {
            this.helperThread = enabled;
            return this;
        }

        /**
         * Sets the power iterations per checkpoint for the stable rank of 2-D weight updates (default 2, warm-started
         * from the previous checkpoint; the first checkpoint runs five times as many; 0 turns it off).
         *
         * @param iterations the iterations
         * @return this builder
         */
        public Builder optStableRankIterations(int iterations) {
            this.stableRankIterations = iterations;
            return this;
        }

        /**
         * Measures every {@code n} optimiser steps (default 0: only per epoch).
         *
         * @param n steps between checkpoints, 0 for none
         * @return this builder
         */
        public Builder optEveryNSteps(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("every-n-steps must be >= 0");
            }
            this.everyNSteps = n;
            return this;
        }

        /**
         * Measures at the end of every epoch (default true).
         *
         * @param enabled whether to
         * @return this builder
         */
        public Builder optEveryEpoch(boolean enabled) {
            this.everyEpoch = enabled;
            return this;
        }

        /**
         * Measures at step 0, before the first update, so trajectories start at zero drift (default true).
         *
         * @param enabled whether to
         * @return this builder
         */
        public Builder optMeasureAtStart(boolean enabled) {
            this.atStart = enabled;
            return this;
        }

        /**
         * Measures at training end when the last step was not measured yet (default true).
         *
         * @param enabled whether to
         * @return this builder
         */
        public Builder optMeasureAtEnd(boolean enabled) {
            this.atEnd = enabled;
            return this;
        }

        /**
         * Turns on guardrail mode: training stops with a {@link DriftLimitExceededException} when the
         * lower bound of the 95% CI of KL(base||ft) passes the limit.
         *
         * @param klLimit the hard limit, nats/token
         * @return this builder
         */
        public Builder optGuardrail(double klLimit) {
            if (!(klLimit >= 0)) {
                throw new IllegalArgumentException("guardrail limit must be >= 0: " + klLimit);
            }
            this.guardrailLimit = klLimit;
            return this;
        }

        /**
         * Sets how long training end ({@code onTrainingEnd}, fired by {@code trainer.close()}) waits for
         * the sinks to deliver before closing them (default 10 s). With
         * {@link dev.driftwatch.plugin.ship.HttpDriftSink} what is
         * not delivered by then goes to its spool; zero never waits: the rest is spooled at once.
         *
         * @param timeout the bound, zero or more
         * @return this builder
         */
        public Builder optFlushTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative()) {
                throw new IllegalArgumentException("flush timeout must be >= 0: " + timeout);
            }
            this.flushTimeout = timeout;
            return this;
        }

        /**
         * Builds the listener.
         *
         * @return the listener
         * @throws IllegalArgumentException when a setting is invalid or the probe set is missing
         */
        public DriftListener build() {
            java.util.Set<String> keys = new java.util.HashSet<>(config.keySet());
            keys.add(CONFIG_APPROXIMATION);
            keys.add(CONFIG_PROBE_COUNT);
            if (sampled != null) {
                keys.addAll(sampled.config().keySet());
            }
            if (keys.size() > RunInfo.MAX_CONFIG_ENTRIES) {
                throw new IllegalArgumentException("a run has at most " + RunInfo.MAX_CONFIG_ENTRIES
                        + " config entries, the listener's own among them: " + keys.size() + " here");
            }
            return new DriftListener(this);
        }

        /**
         * Builds only the measuring settings of these options, for a {@link DriftMeter} driven by a
         * custom training loop (no scheduling, no sinks):
         *
         * <pre>
         * DriftMeter meter = new DriftMeter(DriftListener.builder().setProbeSet(probes).optTopK(32).buildSettings());
         * </pre>
         *
         * @return the settings
         * @throws IllegalArgumentException when a setting is invalid or the probe set is missing
         */
        public DriftSettings buildSettings() {
            return new DriftSettings(probes, temperature, outputIndex, batchSize, memoryBudgetBytes, topK, tailSamples,
                    baseCacheDirectory, bootstrapResamples, seed, topExamples, parameterDrift, stableRankIterations,
                    helperThread);
        }
    }
}
