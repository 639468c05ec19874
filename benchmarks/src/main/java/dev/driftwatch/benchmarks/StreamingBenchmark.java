package dev.driftwatch.benchmarks;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.plugin.ship.HttpDriftSink;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The streaming client's cost to training, with the service down (the worst case: every record
 * ends in the spool):
 *
 * <ul>
 *   <li>the time the training thread spends handing one checkpoint to {@link HttpDriftSink}
 *       (p50, p99; target p99 &lt;= 100 us), one checkpoint every 0.5 ms of busy "training", and,
 *       without a target, every 50 us, faster than the sender can spool, so that the queue
 *       overflows and the training thread spools records itself;
 *   <li>end-to-end time of a real DJL training run (an MLP on synthetic data, PyTorch on CPU) that
 *       hands a checkpoint every few batches, against the same training with no sink at all,
 *       alternated and compared by medians (target &lt;= 1.02x).
 * </ul>
 */
public final class StreamingBenchmark implements Benchmark {

    private static final String NAME = "streaming";
    private static final String FINGERPRINT = "0123456789abcdef".repeat(4);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        Path spool = Files.createTempDirectory("driftwatch-bench-spool");
        try {
            List<Result> results = new ArrayList<>();
            // a checkpoint every 0.5 ms of training: far more often than a listener measures
            results.addAll(handOver(quick, spool, 500_000, "<= 100 us"));
            // every 50 us: faster than the sender can spool, so the queue overflows onto the training thread
            results.addAll(handOver(quick, spool, 50_000, null));
            results.add(training(quick, spool));
            return results;
        } finally {
            try (Stream<Path> files = Files.walk(spool)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static List<Result> handOver(boolean quick, Path spool, long spacingNanos, String target) {
        int n = quick ? 2_000 : 10_000;
        long[] nanos = new long[n];
        List<CheckpointReport> reports = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            reports.add(checkpoint("handover", i));
        }
        long overflowed;
        try (HttpDriftSink sink = downSink(spool.resolve("handover-" + spacingNanos))) {
            sink.runStarted(run("handover"));
            for (int i = 0; i < n; i++) {
                spin(spacingNanos); // "training" between hand-overs
                long start = System.nanoTime();
                sink.checkpoint(reports.get(i));
                nanos[i] = System.nanoTime() - start;
            }
            overflowed = sink.stats().spooled();
        }
        // the first hand-overs include class loading and JIT warm-up, as in a real run; keep them
        Arrays.sort(nanos);
        double p50 = nanos[n / 2] / 1e3;
        double p99 = nanos[(int) (n * 0.99)] / 1e3;
        String label = String.format(java.util.Locale.ROOT, "(service down, one per %d us, n=%d, %d spooled)",
                spacingNanos / 1000, n, overflowed);
        return List.of(
                new Result(NAME, "hand-over p50 " + label, p50, "us", Double.NaN, Double.NaN, null, null),
                new Result(NAME, "hand-over p99 " + label, p99, "us", Double.NaN, Double.NaN, target,
                        target == null ? null : p99 <= 100));
    }

    private static Result training(boolean quick, Path spool) throws Exception {
        int rounds = quick ? 2 : 5;
        // long enough that the end of training (the bounded flush at close, tens of ms on a busy
        // machine) weighs as little as it does in a real run
        int epochs = quick ? 1 : 10;
        train(null, 1, "warm-up"); // engine start-up and JIT, outside both measurements
        long[] without = new long[rounds];
        long[] with = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            without[r] = train(null, epochs, "baseline-" + r);
            try (HttpDriftSink sink = downSink(spool.resolve("training-" + r))) {
                long start = System.nanoTime();
                train(sink, epochs, "training-" + r);
                sink.close(); // training end: the bounded flush is part of the run's time
                with[r] = System.nanoTime() - start;
            }
        }
        double base = median(without) / 1e9;
        double value = median(with) / 1e9;
        double ratio = value / base;
        return new Result(NAME, "DJL training, service down vs no sink (median of " + rounds + ")", value, "s", base,
                ratio, "<= 1.02x", ratio <= 1.02);
    }

    /**
     * Trains an MLP on synthetic data, handing the sink a checkpoint every 10 batches.
     *
     * @return nanoseconds
     */
    private static long train(HttpDriftSink sink, int epochs, String runKey) throws Exception {
        long start = System.nanoTime();
        Engine.getInstance().setRandomSeed(42);
        try (Model model = Model.newInstance("streaming-bench")) {
            model.setBlock(new SequentialBlock()
                    .add(Linear.builder().setUnits(256).build())
                    .add(Activation::relu)
                    .add(Linear.builder().setUnits(10).build()));
            NDManager manager = model.getNDManager();
            int examples = 6_400;
            NDArray x = manager.randomNormal(new Shape(examples, 784));
            NDArray y = manager.randomInteger(0, 10, new Shape(examples), DataType.INT32).toType(DataType.FLOAT32,
                    false);
            ArrayDataset data = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(64, true).build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(64, 784));
                if (sink != null) {
                    sink.runStarted(run(runKey));
                }
                long step = 0;
                for (int epoch = 0; epoch < epochs; epoch++) {
                    for (Batch batch : trainer.iterateDataset(data)) {
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                        batch.close();
                        step++;
                        if (sink != null && step % 10 == 0) {
                            sink.checkpoint(checkpoint(runKey, step));
                        }
                    }
                }
                if (sink != null) {
                    sink.runFinished(new RunEnd(runKey, "completed", Instant.now()));
                }
            }
        }
        return System.nanoTime() - start;
    }

    /** A sink aimed at a port nobody listens on, with its defaults otherwise. */
    private static HttpDriftSink downSink(Path spoolDir) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return HttpDriftSink.builder().setUrl("http://localhost:" + port).setProject("bench").setToken("dw_bench")
                .optSpoolDir(spoolDir).build();
    }

    private static RunInfo run(String runKey) {
        return new RunInfo(runKey, "benchmark " + runKey, "full", List.of("benchmark"), FINGERPRINT, FINGERPRINT,
                203_530, 203_530, 1.0, Map.of(), Instant.now());
    }

    /** A checkpoint of the size the listener sends for a small model: 7 metrics, 3 slices, 10 top examples, 4 tensors. */
    private static CheckpointReport checkpoint(String runKey, long step) {
        double kl = 0.1 * (1 - Math.exp(-step / 500.0));
        MetricSummary s = new MetricSummary(600, kl, kl * 0.5, kl * 2, kl * 3, kl * 4, kl * 0.9, kl * 1.1);
        Map<String, MetricSummary> metrics = Map.of(Metric.KL_BASE_FT.wireName(), s, Metric.KL_FT_BASE.wireName(), s, Metric.JS.wireName(), s,
                Metric.TV.wireName(), s, Metric.TOP1_AGREE.wireName(), s, Metric.ENTROPY_BASE.wireName(), s, Metric.ENTROPY_FT.wireName(), s);
        List<SliceSummary> slices = List.of(new SliceSummary("on-task", 200, metrics),
                new SliceSummary("off-task/general", 200, metrics), new SliceSummary("off-task/safety", 200, metrics));
        List<TopExample> top = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            top.add(new TopExample("test-" + i, "on-task", Metric.KL_BASE_FT.wireName(), kl * 4 - i * 1e-4));
        }
        List<TensorDrift> tensors = List.of(
                new TensorDrift("01Linear_weight", true, false, 200_704, 0.9, 11.2, 0.08, 3.2),
                new TensorDrift("01Linear_bias", true, false, 256, 0.01, 0.1, 0.1, null),
                new TensorDrift("03Linear_weight", true, false, 2_560, 0.2, 2.0, 0.1, 2.1),
                new TensorDrift("03Linear_bias", true, false, 10, 0.01, 0.1, 0.1, null));
        return new CheckpointReport(runKey, step, 0, Instant.now(), true, null, "exact", 1.0, 600, metrics, slices,
                top, new ParameterDrift(203_530, 203_530, 1.0, 0.08, tensors), Map.of("train_loss", 1.0 / (step + 1)));
    }

    private static volatile double blackhole;

    /** Busy CPU work for a while, like a training step (a sleep would free the CPU for the sender). */
    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        double acc = 1;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 100; i++) {
                acc = acc * 1.0000001 + 1e-9;
            }
        }
        blackhole = acc;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
    }
}
