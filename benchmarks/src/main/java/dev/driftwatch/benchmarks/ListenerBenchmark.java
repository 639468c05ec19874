package dev.driftwatch.benchmarks;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.driftwatch.plugin.DriftMeter;
import dev.driftwatch.plugin.DriftSettings;
import dev.driftwatch.plugin.probe.ProbeSet;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The drift listener's per-checkpoint cost: a full measurement (probe forward, divergences, pull of
 * the per-example vectors, quantiles, bootstrap CIs, parameter drift with stable ranks) against the
 * bare probe forward pass of the same model on the same probes, both timed in the same run
 * (median of alternating repetitions). Also the device memory the measurement keeps and its peak
 * temporaries against the theoretical minimum (one parameter copy plus the base cache).
 *
 * <p>Both are timed twice: wall-clock, and as the CPU time of the calling thread. With one PyTorch
 * intra-op thread ({@code -Dai.djl.pytorch.num_threads=1}) every operation runs on the calling thread,
 * so the CPU-time ratio is the same cost comparison, little disturbed by other processes on a shared
 * machine (with more intra-op threads it misses the pool's work; read the wall-clock row then).
 */
public final class ListenerBenchmark implements Benchmark {

    private static final int PIXELS = 784;

    /** One model shape: hidden widths of an MLP classifier, or a sequence model's positions. */
    private record Case(String name, int[] hidden, int classes, int sequence, int width, int batchSize) {
        boolean isSequence() {
            return sequence > 0;
        }
    }

    @Override
    public String name() {
        return "listener";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        int reps = quick ? 3 : 9;
        // -Ddriftwatch.listener.cases=lm-head: only the cases whose name contains it
        String only = System.getProperty("driftwatch.listener.cases", "");
        List<Result> results = new ArrayList<>();
        List<Case> cases = List.of(
                new Case("mlp-0.27M", new int[] {256, 256}, 10, 0, 0, 256),
                new Case("mlp-1.9M", new int[] {1024, 1024}, 10, 0, 0, 256),
                new Case("mlp-10M", new int[] {2048, 2048, 2048}, 10, 0, 0, 256));
        for (Case c : cases) {
            for (int probes : new int[] {512, 2048}) {
                if (c.name().contains(only)) {
                    results.addAll(measure(c, probes, reps, 256L << 20, 0));
                }
            }
        }
        // A language-model head over a 32k vocabulary: the divergences dominate more here.
        // (batches of 16 sequences: 16 x 16 x 32000 logits, as docs/listener.md advises for large vocabularies)
        Case lm = new Case("lm-head-32k", new int[0], 32000, 16, 256, 16);
        if (lm.name().contains(only)) {
            results.addAll(measure(lm, 64, reps, 256L << 20, 0));
            results.addAll(measure(lm, 64, reps, 0, 0)); // forced top-k(64) lower bound
            results.addAll(measure(lm, 64, reps, 0, 192)); // forced top-k(64) + 192 sampled tail classes
        }
        return results;
    }

    private List<Result> measure(Case c, int n, int reps, long budget, int tailSamples) throws Exception {
        Engine.getInstance().setRandomSeed(7);
        SequentialBlock block = new SequentialBlock();
        for (int h : c.hidden()) {
            block.add(Linear.builder().setUnits(h).build()).add(Activation.reluBlock());
        }
        block.add(Linear.builder().setUnits(c.classes()).build());
        ProbeSet probes = probes(c, n);
        String label = c.name() + ", N=" + n + (c.isSequence() ? "x" + c.sequence() : "")
                + (budget == 0 ? ", topk(64)" + (tailSamples > 0 ? "+tail(" + tailSamples + ")" : "") : "");
        try (Model model = Model.newInstance(c.name())) {
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(new DriftSettings(probes, 1.0, 0, c.batchSize(), budget, 64,
                            tailSamples, null, 1000, 42, 10, true, 2))) {
                Shape input = c.isSequence() ? new Shape(1, c.sequence(), c.width()) : new Shape(1, PIXELS);
                trainer.initialize(input);
                long params = 0;
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    params += p.getValue().getArray().size();
                }
                meter.captureBase(trainer);
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    NDArray a = p.getValue().getArray();
                    try (NDArray noise = trainer.getManager().randomNormal(0, 0.01f, a.getShape(), a.getDataType())) {
                        a.addi(noise); // a fine-tuned model, so the metrics are not trivially zero
                    }
                }
                meter.bareForward(trainer); // warm-up
                meter.measure(trainer);
                long[] bare = new long[reps];
                long[] full = new long[reps];
                long[] bareCpu = new long[reps];
                long[] fullCpu = new long[reps];
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                for (int r = 0; r < reps; r++) {
                    long c0 = threads.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    meter.bareForward(trainer);
                    long t1 = System.nanoTime();
                    long c1 = threads.getCurrentThreadCpuTime();
                    meter.measure(trainer);
                    full[r] = System.nanoTime() - t1;
                    fullCpu[r] = threads.getCurrentThreadCpuTime() - c1;
                    bare[r] = t1 - t0;
                    bareCpu[r] = c1 - c0;
                }
                meter.trackScratchBytes(true);
                meter.measure(trainer);
                double bareMs = median(bare) / 1e6;
                double fullMs = median(full) / 1e6;
                double bareCpuMs = median(bareCpu) / 1e6;
                double fullCpuMs = median(fullCpu) / 1e6;
                long positions = (long) n * Math.max(1, c.sequence());
                // kept per position: logits (float32) and classes (int64) of the k + m kept, log-normaliser and
                // log tail (float64), argmax (int64); exact: the logits, the log-normaliser and the argmax
                int keptClasses = 64 + tailSamples;
                double baseBytes = budget == 0 ? positions * (keptClasses * (4 + 8) + 8 + 8 + 8.0)
                        : positions * (c.classes() * 4.0 + 8 + 8);
                double theoretical = params * 4.0 + baseBytes;
                double kept = meter.keptBytes();
                double peak = kept + meter.peakScratchBytes();
                String params10 = String.format(java.util.Locale.ROOT, "%.2fM params", params / 1e6);
                System.err.printf(java.util.Locale.ROOT,
                        "  %s (%s): bare %.1f ms, measure %.1f ms, ratio %.3f; thread CPU ratio %.3f%n",
                        label, params10, bareMs, fullMs, fullMs / bareMs, fullCpuMs / bareCpuMs);
                return List.of(
                        new Result(name(), "measure vs bare forward, " + label + ", " + params10, fullMs, "ms",
                                bareMs, fullMs / bareMs, "<= 1.25x", fullMs / bareMs <= 1.25),
                        new Result(name(), "measure vs bare forward, calling-thread CPU time, " + label, fullCpuMs,
                                "ms", bareCpuMs, fullCpuMs / bareCpuMs, "<= 1.25x", fullCpuMs / bareCpuMs <= 1.25),
                        new Result(name(), "peak extra memory vs theta0 + base cache, " + label, peak / (1 << 20),
                                "MiB", theoretical / (1 << 20), peak / theoretical, "", null));
            }
        }
    }

    private static ProbeSet probes(Case c, int n) {
        Random r = new Random(1);
        int per = c.isSequence() ? c.sequence() * c.width() : PIXELS;
        float[] x = new float[n * per];
        for (int i = 0; i < x.length; i++) {
            x[i] = c.isSequence() ? (float) r.nextGaussian() : r.nextFloat();
        }
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slices.add(i % 4 == 0 ? "off-task/general" : "on-task");
        }
        ProbeSet.Builder b = ProbeSet.builder()
                .addInput("x", x, c.isSequence() ? new Shape(c.sequence(), c.width()) : new Shape(PIXELS))
                .optSlices(slices);
        if (c.isSequence()) {
            float[] mask = new float[n * c.sequence()];
            Arrays.fill(mask, 1f);
            b.optMask(mask, c.sequence());
        }
        return b.build();
    }

    private static double median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }
}
