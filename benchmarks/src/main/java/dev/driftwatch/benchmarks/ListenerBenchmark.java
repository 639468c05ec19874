package dev.driftwatch.benchmarks;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.driftwatch.examples.lm.TinyGpt;
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
 * <p>Both are timed three ways: wall-clock, the CPU time of the calling thread, and the CPU time of every
 * thread of the process. The wall-clock ratio is what training waits for. With one PyTorch intra-op thread
 * ({@code -Dai.djl.pytorch.num_threads=1}) and no helper thread, the probe forward and the comparisons run on
 * the calling thread, so its CPU-time ratio is the same, little disturbed by other processes on a shared
 * machine. Where a core is free, a helper thread ({@code DriftSettings.helperThread}) runs the parameter drift
 * beside the forward and a language model's comparisons beside the next forward: the calling thread then waits
 * for it, which its CPU time does not count (read the wall-clock row), and the all-threads row counts it, the
 * work a measurement adds.
 */
public final class ListenerBenchmark implements Benchmark {

    private static final int PIXELS = 784;

    /**
     * One model shape: hidden widths of an MLP classifier; or a sequence model's positions, either a bare
     * linear head over {@code width} features or (with {@code depth} > 0) the LM demo's transformer
     * ({@link TinyGpt}) over token ids, {@code width} wide with {@code depth} layers.
     */
    private record Case(String name, int[] hidden, int classes, int sequence, int width, int batchSize, int depth) {
        Case(String name, int[] hidden, int classes, int sequence, int width, int batchSize) {
            this(name, hidden, classes, sequence, width, batchSize, 0);
        }

        boolean isSequence() {
            return sequence > 0;
        }

        boolean isTransformer() {
            return depth > 0;
        }

        Block block() {
            if (isTransformer()) {
                return new TinyGpt(classes, sequence, width, 8, depth, 4);
            }
            SequentialBlock block = new SequentialBlock();
            for (int h : hidden) {
                block.add(Linear.builder().setUnits(h).build()).add(Activation.reluBlock());
            }
            return block.add(Linear.builder().setUnits(classes).build());
        }

        Shape input() {
            if (isTransformer()) {
                return new Shape(1, sequence);
            }
            return isSequence() ? new Shape(1, sequence, width) : new Shape(1, PIXELS);
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
        // A transformer language model over the same vocabulary (the LM demo's model, 8 layers of width 512,
        // 58M parameters): the head is one part of its forward, as in the models users fine-tune.
        // Its forward takes seconds: at most 5 repetitions.
        Case gpt = new Case("gpt-32k", new int[0], 32000, 64, 512, 16, 8);
        if (gpt.name().contains(only)) {
            int gptReps = Math.min(reps, 5);
            // 1024 positions: the fixed per-checkpoint costs (parameter drift over 58M weights) weigh most here
            results.addAll(measure(gpt, 16, gptReps, 256L << 20, 0)); // 131 MB of logits: exact
            // the same on the calling thread alone (optHelperThread(false)): what the helper saves training
            results.addAll(measure(gpt, 16, gptReps, 256L << 20, 0, 2, false, false));
            results.addAll(measure(gpt, 16, gptReps, 0, 192)); // forced top-k(64) + 192 sampled tail classes
            // the same on the calling thread alone (the helper thread, beside the forward, is the default)
            results.addAll(measure(gpt, 16, gptReps, 0, 192, 2, false, false));
            // the same without stable ranks (optStableRankIterations(0)): what the 5 products per weight cost here
            results.addAll(measure(gpt, 16, gptReps, 0, 192, 0));
            // 4096 positions: the default settings (524 MB of logits exceed the 256 MiB budget: top-k + sampled
            // tail), and exact with the budget raised
            results.addAll(measure(gpt, 64, gptReps, 256L << 20, 192));
            // the same probes scored as a language model's are: a prompt, a continuation of varying length,
            // padding (half the positions scored); only scored positions are compared
            results.addAll(measure(gpt, 64, gptReps, 256L << 20, 192, 2, true, true));
            results.addAll(measure(gpt, 64, gptReps, 1L << 30, 192));
            // hundreds of probes, as users keep them (256 sequences of 64 tokens, 16384 positions): the default
            // settings; the fixed per-checkpoint costs weigh least here
            if (!quick) {
                results.addAll(measure(gpt, 256, Math.min(reps, 3), 256L << 20, 192));
            }
        }
        return results;
    }

    private List<Result> measure(Case c, int n, int reps, long budget, int tailSamples) throws Exception {
        return measure(c, n, reps, budget, tailSamples, 2);
    }

    private List<Result> measure(Case c, int n, int reps, long budget, int tailSamples, int stableRankIterations)
            throws Exception {
        return measure(c, n, reps, budget, tailSamples, stableRankIterations, false, true);
    }

    /**
     * One case; {@code stableRankIterations} 0 measures the parameter drift without stable ranks; {@code prompted}
     * scores a transformer's probes as {@link #promptedMask} does instead of at every position; without
     * {@code helperThread} everything runs on the calling thread.
     */
    private List<Result> measure(Case c, int n, int reps, long budget, int tailSamples, int stableRankIterations,
            boolean prompted, boolean helperThread) throws Exception {
        // -Ddriftwatch.listener.probes=256: only the cases of that many probes
        String probeCount = System.getProperty("driftwatch.listener.probes", "");
        if (!probeCount.isEmpty() && Integer.parseInt(probeCount) != n) {
            return List.of();
        }
        Engine.getInstance().setRandomSeed(7);
        Block block = c.block();
        ProbeSet probes = probes(c, n, prompted);
        String shape = c.name() + ", N=" + n + (c.isSequence() ? "x" + c.sequence() : "")
                + (stableRankIterations == 2 ? "" : ", stable rank iterations " + stableRankIterations)
                + (prompted ? ", prompt + padding (half scored)" : "")
                + (helperThread ? "" : ", calling thread alone");
        try (Model model = Model.newInstance(c.name())) {
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
                    DriftMeter meter = new DriftMeter(new DriftSettings(probes, 1.0, 0, c.batchSize(), budget, 64,
                            tailSamples, null, 1000, 42, 10, true, stableRankIterations, helperThread))) {
                trainer.initialize(c.input());
                long params = 0;
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    params += p.getValue().getArray().size();
                }
                meter.captureBase(trainer);
                // how the base is kept, as the meter decided from the budget (exact rows keep their old names)
                String keptAs = shape + ("exact".equals(meter.approximation()) ? "" : ", " + meter.approximation());
                for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                    NDArray a = p.getValue().getArray();
                    try (NDArray noise = trainer.getManager().randomNormal(0, 0.01f, a.getShape(), a.getDataType())) {
                        a.addi(noise); // a fine-tuned model, so the metrics are not trivially zero
                    }
                }
                meter.bareForward(trainer); // warm-up
                meter.measure(trainer);
                // and exact rows compared on the JVM's vector unit say so (java --add-modules jdk.incubator.vector)
                String label = keptAs + (meter.lastComparedOnVectorUnit() ? ", JVM vectors" : "");
                long[] bare = new long[reps];
                long[] full = new long[reps];
                long[] bareCpu = new long[reps];
                long[] fullCpu = new long[reps];
                long[] bareProcessCpu = new long[reps];
                long[] fullProcessCpu = new long[reps];
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long[] bareFaults = new long[reps];
                long[] fullFaults = new long[reps];
                long[] parameterDrift = new long[reps];
                for (int r = 0; r < reps; r++) {
                    long f0 = minorFaults();
                    long p0 = processCpu();
                    long c0 = threads.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    meter.bareForward(trainer);
                    long t1 = System.nanoTime();
                    long c1 = threads.getCurrentThreadCpuTime();
                    long p1 = processCpu();
                    long f1 = minorFaults();
                    meter.measure(trainer);
                    full[r] = System.nanoTime() - t1;
                    fullCpu[r] = threads.getCurrentThreadCpuTime() - c1;
                    fullProcessCpu[r] = processCpu() - p1;
                    bareProcessCpu[r] = p1 - p0;
                    fullFaults[r] = minorFaults() - f1;
                    parameterDrift[r] = meter.lastParameterDriftTime().toNanos();
                    bare[r] = t1 - t0;
                    bareCpu[r] = c1 - c0;
                    bareFaults[r] = f1 - f0;
                }
                meter.trackScratchBytes(true);
                meter.measure(trainer);
                double bareMs = median(bare) / 1e6;
                double fullMs = median(full) / 1e6;
                double bareCpuMs = median(bareCpu) / 1e6;
                double fullCpuMs = median(fullCpu) / 1e6;
                double bareProcessMs = median(bareProcessCpu) / 1e6;
                double fullProcessMs = median(fullProcessCpu) / 1e6;
                long positions = (long) n * Math.max(1, c.sequence());
                // kept per position: logits (float32) and classes (int64) of the k + m kept, log-normaliser and
                // log tail (float64), argmax (int64); exact: the logits, the log-normaliser and the argmax
                int keptClasses = 64 + tailSamples;
                double baseBytes = !"exact".equals(meter.approximation()) ? positions * (keptClasses * (4 + 8) + 8 + 8 + 8.0)
                        : positions * (c.classes() * 4.0 + 8 + 8);
                double theoretical = params * 4.0 + baseBytes;
                double kept = meter.keptBytes();
                double peak = kept + meter.peakScratchBytes();
                String params10 = String.format(java.util.Locale.ROOT, "%.2fM params", params / 1e6);
                // page faults: fresh memory is faulted in 4 KiB at a time, which some machines (virtualised
                // ones above all) charge dearly; they explain most of the spread between repetitions
                System.err.printf(java.util.Locale.ROOT,
                        "  %s (%s): bare %.1f ms, measure %.1f ms (parameter drift %.1f ms), ratio %.3f;"
                                + " thread CPU ratio %.3f, all threads' CPU ratio %.3f; minor page faults (median) bare %.0f,"
                                + " measure %.0f%n",
                        label, params10, bareMs, fullMs, median(parameterDrift) / 1e6, fullMs / bareMs,
                        fullCpuMs / bareCpuMs, fullProcessMs / bareProcessMs, median(bareFaults), median(fullFaults));
                return List.of(
                        new Result(name(), "measure vs bare forward, " + label + ", " + params10, fullMs, "ms",
                                bareMs, fullMs / bareMs, "<= 1.25x", fullMs / bareMs <= 1.25),
                        new Result(name(), "measure vs bare forward, calling-thread CPU time, " + label, fullCpuMs,
                                "ms", bareCpuMs, fullCpuMs / bareCpuMs, "<= 1.25x", fullCpuMs / bareCpuMs <= 1.25),
                        // the parameter drift's thread too (and the JVM's own, such as the garbage collector's): the
                        // work a measurement adds, where the rows above are what training waits for
                        new Result(name(), "measure vs bare forward, all threads' CPU time, " + label, fullProcessMs,
                                "ms", bareProcessMs, fullProcessMs / bareProcessMs, "", null),
                        new Result(name(), "peak extra memory vs theta0 + base cache, " + label, peak / (1 << 20),
                                "MiB", theoretical / (1 << 20), peak / theoretical, "", null));
            }
        }
    }

    /** The CPU time of every thread of this process so far, in nanoseconds. */
    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static ProbeSet probes(Case c, int n, boolean prompted) {
        Random r = new Random(1);
        if (c.isTransformer()) {
            long[] ids = new long[n * c.sequence()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = r.nextInt(c.classes());
            }
            float[] mask = new float[ids.length];
            if (prompted) {
                promptedMask(mask, c.sequence(), r);
            } else {
                Arrays.fill(mask, 1f);
            }
            return ProbeSet.builder().addInput("tokens", ids, new Shape(c.sequence())).optMask(mask, c.sequence())
                    .optSlices(slicesOf(n)).build();
        }
        int per = c.isSequence() ? c.sequence() * c.width() : PIXELS;
        float[] x = new float[n * per];
        for (int i = 0; i < x.length; i++) {
            x[i] = c.isSequence() ? (float) r.nextGaussian() : r.nextFloat();
        }
        ProbeSet.Builder b = ProbeSet.builder()
                .addInput("x", x, c.isSequence() ? new Shape(c.sequence(), c.width()) : new Shape(PIXELS))
                .optSlices(slicesOf(n));
        if (c.isSequence()) {
            float[] mask = new float[n * c.sequence()];
            Arrays.fill(mask, 1f);
            b.optMask(mask, c.sequence());
        }
        return b.build();
    }

    /**
     * Scores each example of T positions as a language model's probe set does: not the prompt (the first
     * T/4), the continuation (T/8 to 3T/8 positions, uniformly), not the padding after it: half the
     * positions on average.
     */
    private static void promptedMask(float[] mask, int positions, Random r) {
        for (int from = 0; from < mask.length; from += positions) {
            int prompt = positions / 4;
            int continuation = positions / 8 + r.nextInt(positions / 4 + 1);
            for (int t = prompt; t < prompt + continuation; t++) {
                mask[from + t] = 1f;
            }
        }
    }

    /** This process's minor page faults so far (Linux), or 0 where {@code /proc/self/stat} cannot be read. */
    private static long minorFaults() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            // after "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt ...
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A quarter of the probes off-task, the rest on-task. */
    private static List<String> slicesOf(int n) {
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            slices.add(i % 4 == 0 ? "off-task/general" : "on-task");
        }
        return slices;
    }

    private static double median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }
}
