package dev.driftwatch.plugin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.plugin.base.BaseCacheFile;
import dev.driftwatch.plugin.base.BaseDistribution;
import dev.driftwatch.plugin.base.SharedBlocks;
import dev.driftwatch.plugin.math.Aggregates;
import dev.driftwatch.plugin.math.DeviceBootstrap;
import dev.driftwatch.plugin.math.Divergences;
import dev.driftwatch.plugin.math.HostDivergences;
import dev.driftwatch.plugin.math.JvmVectors;
import dev.driftwatch.plugin.math.StratifiedBootstrap;
import dev.driftwatch.plugin.math.TaskScores;
import dev.driftwatch.plugin.params.ParameterTracker;
import dev.driftwatch.plugin.probe.ProbeChunk;
import dev.driftwatch.plugin.probe.ProbeGroup;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.report.CheckpointSummaries;
import dev.driftwatch.plugin.probe.ProbeShapes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures drift from the base model on a probe set: captures the base (distributions and
 * parameters) once, then, at each {@link #measure}, runs the probe forward pass and compares.
 *
 * <p>It does the work of {@link DriftListener} without the scheduling, so it can also be driven by
 * hand (a custom training loop, a benchmark). The probe forward runs on the calling thread, with
 * {@code training = false}, inside scoped sub-managers, and so do the comparisons unless a core is free for a
 * helper thread ({@link DriftSettings#helperThread()}): the helper then runs the parameter drift beside the
 * forward, compares each forward's logits while the next forward runs, and shares the comparison of the last
 * with the calling thread; {@link #measure} waits for it before it returns.
 */
public final class DriftMeter implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DriftMeter.class);
    /** {@link #sourceColumn} of entropy_base: the base's own entropy. */
    private static final int BASE_ENTROPY = -1;
    /** {@link #sourceColumn} of the metrics scored on the probe targets ({@link TaskScores}). */
    private static final int TASK_SCORES = -2;
    /** Values per temporary array when computing divergences (256 Ki floats = 1 MiB, cache-friendly). */
    private static final long SLICE_ELEMENTS = 1L << 18;
    /** Largest base (N * T * V values, 16 MiB) measured on the JVM, which keeps a copy of it on the heap. */
    private static final long HOST_MAX_VALUES = 1L << 22;
    /**
     * Most logits one probe forward returns (256 MiB of float32): a language model's [b, T, V] at the default
     * 256 examples would be GBs (T = 512 over 32k tokens: 17 GB), so fewer examples go through at a time.
     */
    static final long MAX_FORWARD_LOGITS = 1L << 26;

    private final DriftSettings settings;
    private final ProbeSet probes;
    private final List<String> sliceNames;
    private final int[] sliceOf;
    private final List<String> metricNames;
    /** Per example, its number of scored positions (1 for a classifier). */
    private final double[] scoredPositions;
    /** Per measured metric, its column in a per-example row of the divergences, or one of the sources below. */
    private final int[] sourceColumn;
    /** Per measured metric, its range: rounding noise is clamped into it. */
    private final Metric.Range[] metricRanges;
    private final Aggregates aggregates;
    /** Per-token detail of the top examples, when a vocabulary was given. */
    private TokenDetails tokenDetails;
    private final StratifiedBootstrap bootstrap;
    /** Scores the task on labelled probes, or null when the probes carry no targets. */
    private final TaskScores task;
    /** Column of {@link Metric#TASK_LOSS_BASE} in a row, or -1 without targets. */
    private final int taskColumn;
    /** The base's per-example task loss and accuracy, captured with the base. */
    private double[] baseLoss;
    private double[] baseAccuracy;
    /** The current model's per-example task loss and accuracy, filled by each measurement. */
    private double[] ftLoss;
    private double[] ftAccuracy;
    private DeviceBootstrap deviceBootstrap;

    private NDManager manager;
    private List<ProbeChunk> chunks;
    private List<ProbeGroup> groups;
    private BaseDistribution base;
    private ParameterTracker parameters;
    /**
     * The helper thread ({@link DriftSettings#helperThread()}): the parameter drift and comparisons beside the
     * probe forward; started at capture ({@link HelperThread}), null without one.
     */
    private ExecutorService helperThread;
    /** Whether {@link #helperThread} is used: decided at capture ({@link #besideTheForward}). */
    private boolean helperBeside;
    private Duration lastParameterDrift = Duration.ZERO;
    private Duration lastTokenDetail = Duration.ZERO;
    /** Groups the last measurement compared on the helper thread beside the next group's forward. */
    private int lastComparedBeside;
    /** Whether the last measurement compared on the JVM's vector unit ({@link BaseDistribution#comparesOnJvm}). */
    private volatile boolean lastOnVectorUnit;
    /** Whether log-probabilities and metrics are computed on the JVM (small outputs, see {@link HostDivergences}). */
    private boolean onHost;
    /** Per group, the base's log-probabilities, argmax and mask as JVM arrays (when measured on the host). */
    private List<HostGroup> hostGroups;
    private boolean trackScratch;
    /** The examples per probe forward ({@link #forwardBatch(int, int, long)}). */
    private int forwardBatch;
    /**
     * Whether the model's logits have {@code -Inf} (classes it rules out): from then on every forward's
     * logits go through {@link Divergences#raiseMasked}. Found at base capture (whose forwards are checked),
     * or when a measurement comes out NaN (which is then measured again).
     */
    private boolean raiseMasked;
    /** Set while the base is captured: its forwards are checked for {@code -Inf}. */
    private boolean capturing;
    /** Set by a measurement whose per-example metrics were not finite because of the model's output. */
    private boolean outputNotFinite;
    /** While {@link #trackScratch}: the peak, written by whichever thread compared (the helper's or training's). */
    private final AtomicLong peakScratchBytes = new AtomicLong();
    /**
     * While {@link #trackScratch}: the bytes of every forward's logits not yet compared, by array id; beside the
     * forwards ({@link #compareBesideTheForwards}) a group's comparison meets the next group's logits.
     */
    private final Map<String, Long> uncomparedLogitBytes = new ConcurrentHashMap<>();

    /**
     * The outcome of one measurement.
     *
     * @param valid false when the model output had NaN or Inf
     * @param invalidReason why it is invalid, or null
     * @param aggregates the distribution metrics, or null when invalid
     * @param parameters the parameter drift, or null when not measured
     * @param samplingStdError the standard error of the headline mean that the sampled base tail adds
     *     (nats/token; 0 when the base is exact or top-k without samples), already inside the bootstrap
     *     interval, which resamples the examples with their independent sampling noise
     */
    public record Measurement(boolean valid, String invalidReason, CheckpointSummaries aggregates,
            ParameterDrift parameters, double samplingStdError) {}

    /** A probe group's base arrays copied to the JVM once, for measuring on the host. */
    private record HostGroup(float[] logits, double[] logNormalizers, long[] argmax, float[] mask) {}

    /**
     * Creates a meter.
     *
     * @param settings what to measure
     */
    public DriftMeter(DriftSettings settings) {
        this.settings = settings;
        this.probes = settings.probes();
        this.sliceNames = probes.sliceNames();
        this.sliceOf = new int[probes.size()];
        for (int i = 0; i < sliceOf.length; i++) {
            sliceOf[i] = sliceNames.indexOf(probes.slices().get(i));
        }
        List<Metric> measured = Metric.measured(probes.isSequence(), probes.hasTargets());
        this.metricNames = Metric.wireNames(measured);
        this.metricRanges = measured.stream().map(Metric::range).toArray(Metric.Range[]::new);
        this.sourceColumn = new int[measured.size()];
        List<Metric> row = new ArrayList<>(Divergences.ROW);
        row.add(null); // BaseDistribution.KL_BASE_FT_VARIANCE: the sampling variance, not a metric
        row.addAll(Divergences.SEQUENCE_SUMS);
        for (int k = 0; k < sourceColumn.length; k++) {
            Metric metric = measured.get(k);
            if (metric == Metric.ENTROPY_BASE) {
                sourceColumn[k] = BASE_ENTROPY;     // the base's own entropy, not a column of the comparison
            } else if (metric.needs() == Metric.Needs.TARGETS) {
                sourceColumn[k] = TASK_SCORES;      // from the task scores, below
            } else {
                sourceColumn[k] = row.indexOf(metric);
                if (sourceColumn[k] < 0) {
                    throw new IllegalStateException("no per-example column computes " + metric);
                }
            }
        }
        this.taskColumn = measured.indexOf(Metric.TASK_LOSS_BASE);
        this.task = probes.hasTargets() ? new TaskScores(probes.targets(), probes.mask(), probes.positions()) : null;
        this.scoredPositions = new double[probes.size()];
        float[] mask = probes.mask();
        for (int i = 0; i < scoredPositions.length; i++) {
            if (mask == null) {
                scoredPositions[i] = probes.positions();
            } else {
                for (int t = 0; t < probes.positions(); t++) {
                    scoredPositions[i] += mask[i * probes.positions() + t];
                }
            }
        }
        this.bootstrap = new StratifiedBootstrap(settings.bootstrapResamples(), settings.seed());
        this.aggregates = new Aggregates(bootstrap, settings.topExamples());
    }

    /**
     * Tells whether the base has been captured.
     *
     * @return true once {@link #captureBase} succeeded
     */
    public boolean isCaptured() {
        return base != null;
    }

    /**
     * Captures the base: copies the parameters (theta0) and the base distributions on the probe set,
     * from the cache file when one matches, else by a forward pass (and then writes the cache). Call
     * before the first parameter update.
     *
     * @param trainer the trainer, with an initialised model
     * @throws IllegalStateException when the base output has NaN or Inf or does not fit the probe set
     */
    public void captureBase(Trainer trainer) {
        close();
        manager = trainer.getModel().getNDManager().newSubManager();
        raiseMasked = false;
        capturing = true;
        try {
            parameters = new ParameterTracker(trainer.getModel().getBlock(), manager);
            int cores = Runtime.getRuntime().availableProcessors();
            int intraOp = intraOpThreads(cores);
            helperBeside = besideTheForward(settings.helperThread(), manager.getDevice().isGpu(),
                    intraOp, cores);
            if (helperBeside) {
                helperThread = HelperThread.start(manager);
                helperBeside = helperThread != null;
            }
            if (helperBeside) {
                logger.info("driftwatch: a helper thread runs the {}comparisons beside the probe forward (PyTorch's"
                        + " operations use {} of the {} cores)", settings.parameterDrift() ? "parameter drift and the "
                        : "", intraOp, cores);
            }
            chunks = probes.toChunks(manager, settings.batchSize());
            long classes = outputClasses(trainer);
            forwardBatch = forwardBatch(settings.batchSize(), probes.positions(), classes);
            int asked = Math.min(settings.batchSize(), probes.size());
            if (forwardBatch < asked) {
                logger.info("driftwatch: the probe forward runs {} examples at a time, not {}: {} positions x {} classes"
                        + " of logits per example, at most {} logits per forward", forwardBatch, settings.batchSize(),
                        probes.positions(), classes, MAX_FORWARD_LOGITS);
            }
            // Small outputs: one copy to the JVM and a loop beat a few hundred native operations.
            long perExample = probes.positions() * classes;
            onHost = forwardBatch * perExample <= SLICE_ELEMENTS && probes.size() * perExample <= HOST_MAX_VALUES;
            if (!onHost && helperBeside) {
                int beside = besideBatch(forwardBatch, probes.size(), perExample);
                if (beside < forwardBatch) {
                    forwardBatch = beside;
                    logger.info("driftwatch: the probe forward runs {} examples at a time, so that each forward's"
                            + " comparison runs beside the next forward", forwardBatch);
                }
            }
            if (forwardBatch < asked) {
                for (ProbeChunk c : chunks) {
                    c.inputs().close();
                    if (c.mask() != null) {
                        c.mask().close();
                    }
                }
                chunks = probes.toChunks(manager, forwardBatch);
            }
            long perBatch = forwardBatch * perExample;
            groups = ProbeGroup.of(chunks, (int) Math.max(1, Math.min(chunks.size(), SLICE_ELEMENTS / perBatch)), manager);
            if (DeviceBootstrap.fits(probes.size(), settings.bootstrapResamples())) {
                deviceBootstrap = new DeviceBootstrap(manager, bootstrap, sliceOf, sliceNames.size());
            }
            BaseCacheFile cache = settings.baseCacheDirectory() == null ? null
                    : new BaseCacheFile(settings.baseCacheDirectory(), parameters.fingerprint(), probes.fingerprint(),
                            settings.temperature(), forwardBatch, settings.memoryBudgetBytes(), settings.topK(),
                            settings.tailSamples(), settings.seed());
            Optional<BaseCacheFile.Entry> cached = Optional.empty();
            if (cache != null) {
                try {
                    cached = cache.read(manager);
                } catch (IOException | RuntimeException | OutOfMemoryError e) { // (a cache too big for the heap)
                    logger.warn("driftwatch: ignoring unreadable base cache {}: {}", cache.path(), e.toString());
                }
            }
            if (cached.isPresent() && cached.get().base().groups() != groups.size()) {
                cached.get().base().close();
                cached = Optional.empty();
            }
            if (cached.isPresent()) {
                base = cached.get().base();
                // the -Inf logits the capture's forwards would have found (without them, the first
                // measurement would come out NaN and run again)
                raiseMasked = cached.get().masked();
                logger.info("driftwatch: base distributions loaded from {}", cache.path());
            } else {
                long positions = (long) probes.size() * probes.positions();
                base = BaseDistribution.capture(groups, c -> logits(trainer, c), manager, positions,
                        settings.temperature(), new BaseDistribution.Budget(settings.memoryBudgetBytes(),
                                settings.topK(), settings.tailSamples(), settings.seed()));
                if (cache != null) {
                    try {
                        cache.write(base, raiseMasked);
                    } catch (IOException | RuntimeException e) {
                        logger.warn("driftwatch: could not write the base cache {}: {}", cache.path(), e.toString());
                    }
                }
            }
            if (task != null) {
                captureBaseTask(trainer, classes);
            }
            if (!"exact".equals(base.approximation())) {
                logger.info("driftwatch: base kept as {} ({} classes do not fit the {} byte budget)",
                        base.approximation(), base.classes(), settings.memoryBudgetBytes());
            }
            if (!onHost && !manager.getDevice().isGpu()) {
                logger.info("driftwatch: {}", JvmVectors.describe());
            }
        } catch (RuntimeException | Error e) { // what the failed capture holds (a copy of the weights) is freed
            close();
            throw e;
        } finally {
            capturing = false;
        }
    }

    /**
     * Scores the base on the probe targets by its own forward pass (the base distribution may be a
     * top-k approximation or come from the cache, so it is not reused here). Once per run.
     */
    private void captureBaseTask(Trainer trainer, long classes) {
        task.checkClasses(classes);
        int n = probes.size();
        baseLoss = new double[n];
        baseAccuracy = new double[n];
        ftLoss = new double[n];
        ftAccuracy = new double[n];
        for (ProbeChunk chunk : chunks) {
            try (NDManager scoped = manager.newSubManager()) {
                scoped.tempAttachAll(chunk.inputs());
                scoreBaseTask(logits(trainer, chunk), chunk.offset(), scoped);
            }
        }
    }

    /**
     * Returns how long the parameter drift of the last {@link #measure} took (wall clock).
     *
     * @return the duration, zero before the first measurement or without parameter drift
     */
    public Duration lastParameterDriftTime() {
        return lastParameterDrift;
    }

    /**
     * Returns how long the per-token detail of the last {@link #measure} took (wall clock).
     *
     * @return the duration, zero before the first measurement or without a vocabulary
     */
    public Duration lastTokenDetailTime() {
        return lastTokenDetail;
    }

    /**
     * Measures the current model against the base.
     *
     * @param trainer the trainer whose model is measured
     * @return the measurement
     * @throws IllegalStateException when the base has not been captured
     */
    public Measurement measure(Trainer trainer) {
        if (base == null) {
            throw new IllegalStateException("the base has not been captured");
        }
        Measurement measurement = measureOnce(trainer, null);
        if (outputNotFinite && !raiseMasked) {
            // perhaps -Inf logits the base did not have (a class the model has come to rule out): 0 * -Inf
            // made the metrics NaN; measured again with them as probability 0 (the parameters have not moved)
            raiseMasked = true;
            Duration parameterTime = lastParameterDrift;
            measurement = measureOnce(trainer, measurement);
            lastParameterDrift = parameterTime;
            if (measurement.valid()) {
                logger.info("driftwatch: the model's output has -Inf logits: those classes are measured as"
                        + " probability 0 (a KL in the order of 1e20 and more means one model rules out a class the"
                        + " other allows)");
            }
        }
        return measurement;
    }

    /** {@link #measure}, once; with the parameter drift of an earlier attempt at the same weights, when given. */
    private Measurement measureOnce(Trainer trainer, Measurement earlier) {
        outputNotFinite = false;
        lastParameterDrift = Duration.ZERO;
        lastTokenDetail = Duration.ZERO;
        int m = metricNames.size();
        int n = probes.size();
        double[] rows = new double[n * m];
        double[] samplingVariance = new double[n];
        boolean host = onHost && base.topK() == 0;
        // the parameter drift on its thread, beside the forward and the comparisons below (the weights do not
        // change while this method runs; it waits for the parameter drift before it returns, even when it fails);
        // without that thread, on this one after them
        boolean measureParameters = earlier == null && settings.parameterDrift();
        Future<ParameterDrift> pending = measureParameters && helperBeside ? startParameterDrift() : null;
        try {
            if (host && hostGroups == null) {
                hostGroups = hostGroups();
            }
            compare(trainer, host, rows, samplingVariance);
        } finally {
            if (pending != null) {
                SharedBlocks.await(pending, false);
            }
        }
        ParameterDrift drift = earlier != null ? earlier.parameters()
                : pending != null ? SharedBlocks.await(pending, true) : measureParameters ? parameterDrift(false) : null;
        if (drift != null && !finite(drift)) {
            return new Measurement(false, "NaN or Inf in the model parameters", null, null, 0);
        }
        String invalid = clampOrExplain(rows, m);
        if (invalid != null) {
            outputNotFinite = true;
            return new Measurement(false, invalid, null, drift, 0);
        }
        StratifiedBootstrap.Intervals ci;
        if (deviceBootstrap != null && DeviceBootstrap.holds(rows)) {
            try (NDManager scoped = manager.newSubManager()) {
                ci = deviceBootstrap.run(scoped, rows, m);
            }
        } else {
            ci = bootstrap.run(rows, m, sliceOf, sliceNames.size());
        }
        double variance = 0;
        for (double v : samplingVariance) {
            variance += v;
        }
        double standardError = Math.sqrt(variance) / n;
        CheckpointSummaries result = aggregates.aggregate(rows, metricNames, probes.ids(), sliceNames, sliceOf, 0, ci);
        if (base.tailSamples() > 0 && Double.isFinite(standardError)) {
            // the headline carries the standard error its sampled base tail adds, on the wire (a non-finite one,
            // which the rows' checks cannot rule out, would make the service refuse the whole checkpoint: left out)
            Map<String, MetricSummary> metrics = new LinkedHashMap<>(result.metrics());
            metrics.computeIfPresent(metricNames.get(0), (k, s) -> s.withSamplingStdError(standardError));
            result = new CheckpointSummaries(metrics, result.slices(), result.top());
        }
        if (tokenDetails != null) {
            long tokensStart = System.nanoTime();
            result = withTokenDetail(trainer, result);
            lastTokenDetail = Duration.ofNanos(System.nanoTime() - tokensStart);
        }
        return new Measurement(true, null, result, drift, standardError);
    }

    /** Per group, the base's log-probabilities, argmax and mask on the JVM. */
    private List<HostGroup> hostGroups() {
        List<HostGroup> all = new ArrayList<>();
        for (int c = 0; c < groups.size(); c++) {
            NDArray mask = groups.get(c).mask();
            float[] weights = null;
            if (mask != null) {
                try (NDArray copy = mask.toType(DataType.FLOAT32, true)) {
                    weights = copy.toFloatArray();
                }
            }
            NDList kept = base.arrays(c);
            float[] logits = kept.get(0).toFloatArray();
            // the normalisers again, by the same code as the current model's: an unchanged model then
            // gives bit-identical log-probabilities (the device's differ in the last bits)
            double[] lse = HostDivergences.logNormalizers(logits, base.classes(), settings.temperature());
            all.add(new HostGroup(logits, lse, kept.get(2).toLongArray(), weights));
        }
        return all;
    }

    /** Compares every group with the base: fills each example's row of metrics and its sampling variance. */
    private void compare(Trainer trainer, boolean host, double[] rows, double[] samplingVariance) {
        lastComparedBeside = 0;
        lastOnVectorUnit = false;
        int width = BaseDistribution.COLUMNS + (probes.isSequence() ? Divergences.SEQUENCE_SUMS.size() : 0);
        Filler fill = new Filler(rows, samplingVariance, base.entropy(), width);
        if (!host && helperBeside && groups.size() > 1) {
            compareBesideTheForwards(trainer, width, fill);
            return;
        }
        ExecutorService share = helperBeside ? helperThread : null;
        for (int c = 0; c < groups.size(); c++) {
            ProbeGroup chunk = groups.get(c);
            fill.group(c, host ? measureOnHost(trainer, chunk, hostGroups.get(c))
                    : compareOnDevice(forwardOnDevice(trainer, chunk, c), chunk, c, width, share));
        }
    }

    /**
     * Compares each group on the helper thread while the calling thread runs the next group's forward; the
     * last group is compared by both threads together. A comparison the helper has not started when the next
     * forward has ended (it was still busy with the parameter drift) is taken back by the calling thread. At
     * most two groups' logits are alive at once: a forward's comparison is offered to the helper only when the
     * one before it has ended.
     */
    private void compareBesideTheForwards(Trainer trainer, int width, Filler fill) {
        ExecutorService helper = helperThread;
        SharedBlocks.Offer<double[]> pending = null;
        Forwarded pendingForward = null;
        int pendingGroup = -1;
        try {
            for (int c = 0; c < groups.size(); c++) {
                ProbeGroup chunk = groups.get(c);
                Forwarded forwarded = forwardOnDevice(trainer, chunk, c);
                boolean handedOver = false;
                try {
                    if (pending != null) {
                        double[] values = pending.take();
                        lastComparedBeside += pending.helped() ? 1 : 0;
                        pending = null;
                        fill.group(pendingGroup, values);
                    }
                    int group = c;
                    if (c < groups.size() - 1) {
                        pending = SharedBlocks.offer(() -> compareOnDevice(forwarded, chunk, group, width, null),
                                helper);
                        pendingForward = forwarded;
                        pendingGroup = c;
                        handedOver = true;
                    } else {
                        handedOver = true;
                        fill.group(c, compareOnDevice(forwarded, chunk, c, width, helper));
                    }
                } finally {
                    if (!handedOver) {
                        discard(forwarded);
                    }
                }
            }
        } finally {
            // failing: the offered comparison closes its group's arrays, unless it never runs
            if (pending != null && pending.withdraw()) {
                discard(pendingForward);
            }
        }
    }

    /** Writes each group's per-example values into the rows of metrics and the sampling variances. */
    private final class Filler {
        private final double[] rows;
        private final double[] samplingVariance;
        private final double[] entropyBase;
        private final int width;

        Filler(double[] rows, double[] samplingVariance, double[] entropyBase, int width) {
            this.rows = rows;
            this.samplingVariance = samplingVariance;
            this.entropyBase = entropyBase;
            this.width = width;
        }

        void group(int c, double[] values) {
            int m = metricNames.size();
            ProbeGroup chunk = groups.get(c);
            for (int j = 0; j < chunk.size(); j++) {
                int i = chunk.offset() + j;
                int r = i * m;
                int v = j * width;
                for (int k = 0; k < m; k++) {
                    if (sourceColumn[k] >= 0) {
                        rows[r + k] = values[v + sourceColumn[k]];
                    } else if (sourceColumn[k] == BASE_ENTROPY) {
                        rows[r + k] = entropyBase[i];
                    }
                }
                // the variance of the example's mean over its scored positions
                samplingVariance[i] = values[v + BaseDistribution.KL_BASE_FT_VARIANCE] / scoredPositions[i];
                if (task != null) {
                    int t = r + taskColumn;
                    rows[t] = baseLoss[i];                          // task_loss_base
                    rows[t + 1] = ftLoss[i];                        // task_loss_ft
                    rows[t + 2] = ftLoss[i] - baseLoss[i];          // forgetting
                    rows[t + 3] = baseAccuracy[i];                  // accuracy_base
                    rows[t + 4] = ftAccuracy[i];                    // accuracy_ft
                    rows[t + 5] = baseAccuracy[i] - ftAccuracy[i];  // accuracy_drop
                }
            }
        }
    }

    /**
     * Whether the helper thread runs the parameter drift and comparisons beside the probe forward: where it is
     * allowed and cores are free for it. On the CPU, PyTorch runs each operation on as many threads from whichever
     * thread calls it, the helper's too, so that is when twice PyTorch's intra-op threads fit the cores (1 of 2, 2
     * of 4, 4 of 8): with fewer cores, the forward's threads and the helper's contend for them (one 58M-parameter
     * transformer's checkpoint at 1024 positions took 1.73x its forward with the parameter drift beside it, 1.65x
     * after it, on 2 cores with 2 threads). On a GPU both would queue on the same device: not done (not measured
     * there).
     *
     * @param allowed {@link DriftSettings#helperThread()}
     * @param gpu whether the model is on a GPU
     * @param intraOpThreads PyTorch's threads per operation ({@link #intraOpThreads})
     * @param cores the processors the JVM may use
     * @return whether to use the helper thread
     */
    static boolean besideTheForward(boolean allowed, boolean gpu, int intraOpThreads, int cores) {
        return allowed && !gpu && 2L * intraOpThreads <= cores;
    }

    /**
     * PyTorch's threads per operation as DJL sets them: {@code ai.djl.pytorch.num_threads} (a system property,
     * else an environment variable), else {@code OMP_NUM_THREADS}, else (PyTorch's default) every core.
     */
    private static int intraOpThreads(int cores) {
        for (String value : new String[] {System.getProperty("ai.djl.pytorch.num_threads"),
                System.getenv("ai.djl.pytorch.num_threads"), System.getenv("OMP_NUM_THREADS")}) {
            if (value != null) {
                try {
                    int n = Integer.parseInt(value.strip());
                    if (n > 0) {
                        return n;
                    }
                } catch (NumberFormatException e) {
                    // not a count: the next source
                }
            }
        }
        return cores;
    }

    /** Starts the parameter drift on {@link #helperThread}. */
    private Future<ParameterDrift> startParameterDrift() {
        return helperThread.submit(() -> parameterDrift(true));
    }

    /**
     * The parameter drift, on the calling thread; its time in {@link #lastParameterDrift}. {@code autogradOff}: on
     * the helper thread, whose autograd mode is off ({@link HelperThread}).
     */
    private ParameterDrift parameterDrift(boolean autogradOff) {
        long start = System.nanoTime();
        try {
            return parameters.measure(settings.stableRankIterations(), autogradOff);
        } finally {
            lastParameterDrift = Duration.ofNanos(System.nanoTime() - start);
        }
    }

    /**
     * Gives the meter a vocabulary (token id to text), so that the top drifting examples of a
     * sequence probe set carry their per-token drift ({@link dev.driftwatch.contract.TokenDrift}). The
     * probe set's first input must hold the token ids.
     *
     * @param tokens token i's text at index i, or null for none
     */
    public void useVocabulary(List<String> tokens) {
        if (tokens != null && !probes.isSequence()) {
            throw new IllegalArgumentException("a vocabulary needs a sequence probe set (with a mask)");
        }
        this.tokenDetails = tokens == null ? null : new TokenDetails(probes, tokens);
    }

    /** The top examples with their token detail; without it when that fails (it never fails the measurement). */
    private CheckpointSummaries withTokenDetail(Trainer trainer, CheckpointSummaries result) {
        try {
            return new CheckpointSummaries(result.metrics(), result.slices(),
                    tokenDetails.describe(result.top(), groups, base, c -> logits(trainer, c), manager));
        } catch (RuntimeException e) {
            logger.warn("driftwatch: no per-token detail for the top examples: {}", e.toString());
            return result;
        }
    }

    /** A group's probe forward: its scope (the group's probe and base arrays attached to it) and its logits. */
    private record Forwarded(NDManager scope, NDArray logits) {}

    /** Closes the scope of a forward that will not be compared (a failing measurement). */
    private void discard(Forwarded forwarded) {
        uncomparedLogitBytes.remove(forwarded.logits().getUid());
        forwarded.scope().close();
    }

    /** Runs a group's probe forward in a scope of its own, which {@link #compareOnDevice} closes. */
    private Forwarded forwardOnDevice(Trainer trainer, ProbeGroup chunk, int c) {
        NDManager scoped = manager.newSubManager();
        try {
            base.tempAttach(scoped, chunk, c);
            NDArray logits = BaseDistribution.forward(chunk, b -> logits(trainer, b), scoped);
            if (trackScratch) {
                uncomparedLogitBytes.put(logits.getUid(), bytes(logits));
            }
            return new Forwarded(scoped, logits);
        } catch (RuntimeException | Error e) {
            scoped.close();
            throw e;
        }
    }

    /**
     * The per-example values of one group through NDArray operations, in cache-sized slices, from its forward;
     * closes the forward's scope.
     */
    private double[] compareOnDevice(Forwarded forwarded, ProbeGroup chunk, int c, int width, Executor share) {
        double[] values = new double[chunk.size() * width];
        boolean sequence = probes.isSequence();
        NDArray logits = forwarded.logits();
        String uid = logits.getUid();
        try (NDManager scoped = forwarded.scope()) {
            // Work through the group in cache-sized slices: with a large vocabulary every
            // temporary would otherwise be as big as the logits (on the JVM's vector unit, there are none).
            boolean onVectorUnit = base.comparesOnJvm(logits);
            lastOnVectorUnit |= onVectorUnit;
            int step = onVectorUnit ? chunk.size() : base.sliceSize(probes.positions(), SLICE_ELEMENTS);
            for (int from = 0; from < chunk.size(); from += step) {
                int to = Math.min(chunk.size(), from + step);
                try (NDManager slice = scoped.newSubManager()) {
                    NDArray mask = null;
                    if (chunk.mask() != null) {
                        mask = chunk.mask().get(from + ":" + to);
                        mask.attach(slice);
                    }
                    NDList compared = base.perPositionAndNormalizers(c, logits, from, to, mask, slice, share);
                    if (task != null) {
                        // the target's log-probability from the normaliser the comparison has just formed
                        NDArray rows = logits.get(from + ":" + to);
                        rows.attach(slice);
                        task.score(rows, compared.get(1), settings.temperature(), chunk.offset() + from, slice,
                                ftLoss, ftAccuracy);
                    }
                    NDList perExample = Divergences.perExample(compared.get(0), mask);
                    NDArray out = perExample.get(0);
                    if (sequence) {
                        out = out.concat(perExample.get(1).get(":, 0:2"), 1);
                    }
                    double[] part = out.toDoubleArray();
                    for (int k = 0; k < part.length; k++) {
                        values[from * width + k] = part[k];
                    }
                    if (trackScratch) {
                        // nothing in the scopes is freed before they close, so now they are at their peak; with
                        // the logits of a forward still to be compared (the next group's, beside the forwards)
                        long others = uncomparedLogitBytes.entrySet().stream()
                                .filter(e -> !e.getKey().equals(uid)).mapToLong(Map.Entry::getValue).sum();
                        peakScratchBytes.accumulateAndGet(bytes(scoped, chunk, c) + bytes(slice, chunk, c) + others,
                                Math::max);
                    }
                }
            }
        } finally {
            uncomparedLogitBytes.remove(uid);
        }
        return values;
    }

    /** The per-example values of one group on the JVM: one copy of the logits, then {@link HostDivergences}. */
    private double[] measureOnHost(Trainer trainer, ProbeGroup group, HostGroup kept) {
        int classes = base.classes();
        float[] logits = new float[group.size() * probes.positions() * classes];
        int at = 0;
        for (ProbeChunk batch : group.batches()) {
            try (NDManager forward = manager.newSubManager()) {
                forward.tempAttachAll(batch.inputs());
                float[] part = logits(trainer, batch).toFloatArray();
                System.arraycopy(part, 0, logits, at, part.length);
                at += part.length;
            }
        }
        if (task != null) {
            task.score(HostDivergences.logSoftmax(logits, classes, settings.temperature()), classes, group.offset(),
                    group.size(), ftLoss, ftAccuracy);
        }
        return HostDivergences.perExample(kept.logits(), kept.logNormalizers(), kept.argmax(), logits,
                settings.temperature(), probes.positions(), classes, kept.mask(), probes.isSequence());
    }

    /**
     * Runs only the probe forward pass (what a measurement adds to training at the least), for
     * comparison in benchmarks.
     *
     * @param trainer the trainer whose model runs
     */
    public void bareForward(Trainer trainer) {
        for (ProbeChunk chunk : chunks) {
            try (NDManager scoped = manager.newSubManager()) {
                scoped.tempAttachAll(chunk.inputs());
                NDArray logits = trainer.evaluate(chunk.inputs()).get(settings.outputIndex());
                // one value to the JVM: waits for the forward on an asynchronous device (CUDA), without
                // the copy of all the logits that a measurement does not make either
                logits.flatten().get(0).toFloatArray();
            }
        }
    }

    /**
     * Turns on tracking of the peak bytes of temporary arrays per measured chunk (for benchmarks; it
     * costs a walk over the scope's arrays per chunk).
     *
     * @param enabled whether to track
     */
    public void trackScratchBytes(boolean enabled) {
        this.trackScratch = enabled;
        this.peakScratchBytes.set(0);
        this.uncomparedLogitBytes.clear();
    }

    /**
     * Returns the largest number of bytes the temporary arrays of one chunk's measurement occupied, with the
     * logits of the forwards not yet compared then (beside the forwards, the next group's), since tracking was
     * turned on.
     *
     * @return bytes
     */
    public long peakScratchBytes() {
        return peakScratchBytes.get();
    }

    /** The bytes of an array's values. */
    private static long bytes(NDArray a) {
        return a.size() * a.getDataType().getNumOfBytes();
    }

    /** Bytes of the arrays a scope created (the temporarily attached probe and base arrays excluded). */
    private long bytes(NDManager scoped, ProbeGroup group, int index) {
        java.util.Set<String> borrowed = new java.util.HashSet<>();
        for (ProbeChunk b : group.batches()) {
            b.inputs().forEach(a -> borrowed.add(a.getUid()));
            if (b.mask() != null) {
                borrowed.add(b.mask().getUid());
            }
        }
        if (group.mask() != null) {
            borrowed.add(group.mask().getUid());
        }
        base.arrays(index).forEach(a -> borrowed.add(a.getUid()));
        long total = 0;
        for (NDArray a : scoped.getManagedArrays()) {
            if (!borrowed.contains(a.getUid())) {
                total += bytes(a);
            }
        }
        return total;
    }

    /**
     * The examples per probe forward: the batch size asked for, fewer when their logits would pass
     * {@link #MAX_FORWARD_LOGITS}.
     */
    static int forwardBatch(int batchSize, int positions, long classes) {
        long perExample = Math.max(1, positions * classes);
        return (int) Math.max(1, Math.min(batchSize, MAX_FORWARD_LOGITS / perExample));
    }

    /**
     * The examples per probe forward where each forward's comparison runs on the helper thread beside the next
     * forward: at most a quarter of the probe set, so that the comparison left after the last forward (which
     * both threads share) is at most a quarter of the whole; unchanged where its logits fit one slice (many
     * forwards are then compared together) or it is that small already. A forward of fewer examples costs about
     * the same per example (the 58M-parameter transformer of the listener benchmark: 1.08-1.12 s for its 16
     * probes in forwards of 4, 1.08-1.09 s in one forward).
     */
    static int besideBatch(int batch, int probes, long valuesPerExample) {
        int quarter = (int) Math.max(1, (probes + BESIDE_FORWARDS - 1L) / BESIDE_FORWARDS);
        return batch * valuesPerExample <= SLICE_ELEMENTS ? batch : Math.min(batch, quarter);
    }

    /** How many forwards {@link #besideBatch} aims at. */
    static final int BESIDE_FORWARDS = 4;

    /**
     * Returns how many probe groups the last measurement compared on the helper thread, beside the next
     * group's forward ({@link #compareBesideTheForwards}).
     *
     * @return groups, 0 where all were compared on the calling thread
     */
    int lastGroupsComparedBeside() {
        return lastComparedBeside;
    }

    /**
     * Tells whether the last measurement compared with the base on the JVM's vector unit
     * ({@link dev.driftwatch.plugin.math.JvmVectors}): on the CPU, with the JVM's vector module.
     *
     * @return true where it did; false for PyTorch's operations, the JVM's loop for small outputs, or before any
     */
    public boolean lastComparedOnVectorUnit() {
        return lastOnVectorUnit;
    }

    /**
     * Returns the examples each probe forward runs ({@link DriftSettings#batchSize}, fewer for large outputs).
     *
     * @return the batch size in use, 0 before the base is captured
     */
    int forwardBatch() {
        return forwardBatch;
    }

    /** V, from the logits of a forward pass on the first probe example. */
    private long outputClasses(Trainer trainer) {
        try (NDManager scoped = manager.newSubManager()) {
            ProbeChunk first = chunks.get(0);
            scoped.tempAttachAll(first.inputs());
            if (first.mask() != null) {
                scoped.tempAttachAll(first.mask());
            }
            NDList one = new NDList();
            first.inputs().forEach(a -> one.add(a.get("0:1")));
            NDArray mask = first.mask() == null ? null : first.mask().get("0:1");
            return logits(trainer, new ProbeChunk(0, 1, one, mask)).getShape().get(2);
        }
    }

    /** Clamps rounding noise into the metrics' ranges; returns why the rows are invalid, or null. */
    private String clampOrExplain(double[] rows, int m) {
        int bad = 0;
        int first = -1;
        for (int i = 0; i < rows.length; i++) {
            double v = rows[i];
            if (!Double.isFinite(v)) {
                if (bad++ == 0) {
                    first = i / m;
                }
                continue;
            }
            // e.g. KL >= 0, JS <= ln 2; forgetting and the accuracy drop have either sign
            Metric.Range range = metricRanges[i % m];
            rows[i] = Math.min(range.max(), Math.max(range.min(), v));
        }
        if (bad == 0) {
            return null;
        }
        return "NaN or Inf in the model output: " + bad + " non-finite values, first on probe example "
                + probes.ids().get(first);
    }

    private static boolean finite(ParameterDrift drift) {
        if (!Double.isFinite(drift.globalRelativeL2())) {
            return false;
        }
        for (TensorDrift t : drift.tensors()) {
            if (!Double.isFinite(t.deltaL2()) || !Double.isFinite(t.baseL2())) {
                return false;
            }
        }
        return true;
    }

    /** Forward pass of one chunk with training = false, as float32 logits {@code [b, T, V]}. */
    private NDArray logits(Trainer trainer, ProbeChunk chunk) {
        NDList out;
        try {
            out = trainer.evaluate(chunk.inputs());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(ProbeShapes.forwardFailed(probes, chunk, trainer.getModel().getBlock(), e), e);
        }
        if (out.size() <= settings.outputIndex()) {
            throw new IllegalStateException("the model returned " + out.size() + " outputs, the logits are expected at "
                    + settings.outputIndex());
        }
        NDArray logits = out.get(settings.outputIndex()).toType(DataType.FLOAT32, false);
        if (capturing && !raiseMasked && logits.eq(Float.NEGATIVE_INFINITY).any().getBoolean()) {
            raiseMasked = true; // classes the base rules out
            logger.info("driftwatch: the base model's output has -Inf logits: those classes are measured as"
                    + " probability 0");
        }
        if (raiseMasked) {
            logits = Divergences.raiseMasked(logits);
        }
        Shape shape = logits.getShape();
        String wrong = ProbeShapes.logitsMismatch(probes, chunk.size(), shape);
        if (wrong != null) {
            throw new IllegalArgumentException(wrong);
        }
        if (!probes.isSequence()) {
            logits = logits.expandDims(1);
        }
        return logits;
    }

    /**
     * Scores the base on the task from its own logits ({@code [b, T, V]}, the first example at
     * {@code offset}), in cache-sized slices: the float64 log-normalisers of a whole group at once are
     * temporaries of tens of MB, fresh memory every time (a page fault per 4 KiB). The normaliser is
     * formed as the comparison forms the current model's (a float32 log-softmax over a large vocabulary
     * is off by ~1e-5), so that the forgetting subtracts like from like.
     */
    private void scoreBaseTask(NDArray logits, int offset, NDManager scoped) {
        Shape shape = logits.getShape();
        long count = shape.get(0);
        long step = Math.max(1, SLICE_ELEMENTS / (shape.get(1) * shape.get(2)));
        for (long from = 0; from < count; from += step) {
            try (NDManager slice = scoped.newSubManager()) {
                NDArray rows = logits.get(from + ":" + Math.min(count, from + step));
                rows.attach(slice);
                task.score(rows, BaseDistribution.logNormalizers(rows, settings.temperature()), settings.temperature(),
                        offset + (int) from, slice, baseLoss, baseAccuracy);
            }
        }
    }

    /**
     * Returns the SHA-256 of the base parameters.
     *
     * @return 64 hex characters
     */
    public String baseFingerprint() {
        return parameters.fingerprint();
    }

    /**
     * Returns the approximation label of the measurements.
     *
     * @return {@code exact}, {@code topk(k)} or {@code topk(k)+tail(m)}
     */
    public String approximation() {
        return base.approximation();
    }

    /**
     * Returns the number of weight elements (buffers excluded).
     *
     * @return the total
     */
    public long totalParameters() {
        return parameters.totalParameters();
    }

    /**
     * Returns the number of trainable weight elements now.
     *
     * @return the trainable count
     */
    public long trainableParameters() {
        return parameters.trainableParameters();
    }

    /**
     * Returns the device bytes the meter keeps: the base cache plus the parameter copy plus the probes.
     *
     * @return bytes held between checkpoints
     */
    public long keptBytes() {
        long total = 0;
        if (manager != null) {
            for (NDArray a : manager.getManagedArrays()) {
                total += bytes(a);
            }
        }
        return total;
    }

    /**
     * Returns the manager of everything the meter keeps (for leak checks).
     *
     * @return the manager, or null before capture
     */
    public NDManager manager() {
        return manager;
    }

    /** Frees everything kept on the device; the meter can capture again afterwards. */
    @Override
    public void close() {
        if (helperThread != null) {
            helperThread.shutdown(); // (idle: every measurement waits for its parameter drift)
            helperThread = null;
        }
        if (manager != null) {
            manager.close();
        }
        manager = null;
        deviceBootstrap = null;
        hostGroups = null;
        onHost = false;
        base = null;
        chunks = null;
        groups = null;
        parameters = null;
    }
}
