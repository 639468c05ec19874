package dev.driftwatch.examples.demo;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.plugin.probe.ProbeSet;
import dev.driftwatch.plugin.report.DriftSink;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The demo's fine-tuning runs: pretrains (or loads) the base, builds the probe set, and fine-tunes the
 * same base with each configured {@link FineTuneMethod}, one after the other, each with a drift
 * listener whose reports go to the sinks the caller makes for it.
 *
 * <pre>
 * List&lt;RunResult&gt; results = DriftDemo.run(DemoConfig.standard(cache), "demo-1",
 *         runKey -&gt; List.of(new JsonLinesFileSink(Path.of(runKey + ".jsonl"))), System.out);
 * </pre>
 */
public final class DriftDemo {

    private DriftDemo() {}

    /**
     * Runs the demo.
     *
     * @param config what to train
     * @param runKeyPrefix prefix of the run keys ({@code <prefix>-full} etc.)
     * @param sinks makes the sinks of one run from its key; the listener closes them at the run's end
     * @param out where progress goes
     * @return one result per method, in order
     */
    public static List<RunResult> run(DemoConfig config, String runKeyPrefix,
            Function<String, List<DriftSink>> sinks, PrintStream out) {
        DemoData data = loadData(config, out);
        Path baseDir = BaseModel.loadOrPretrain(config, data, out);
        ProbeSet probes = DemoTask.probes(data, config);
        DemoTask.Examples train = DemoTask.fineTuning(data, config);
        DemoTask.Examples validation = DemoTask.validation(data, config);
        out.printf(Locale.ROOT, "Probe set: %d test images, slices %s (fingerprint %s...)%n", probes.size(),
                probes.sliceNames(), probes.fingerprint().substring(0, 12));
        out.printf(Locale.ROOT, "Fine-tuning task: %d on-task training images (t-shirt, pullover, coat, shirt),"
                + " %d steps of %d per run, validation on %d on-task test images%n", train.count(), config.steps(),
                config.batchSize(), validation.count());
        List<String> tags = List.of("demo", data.synthetic() ? "synthetic" : "fashion-mnist");
        FineTuneRun runner = new FineTuneRun(config, baseDir, probes, train, validation, tags);
        List<RunResult> results = new ArrayList<>();
        for (FineTuneMethod method : config.methods()) {
            String runKey = runKeyPrefix + "-" + method.wireName();
            out.printf(Locale.ROOT, "%nFine-tuning run %s (%s, Adam lr %s)%n", runKey, method.label(),
                    method.learningRate());
            results.add(runner.run(method, runKey, sinks.apply(runKey), out));
        }
        printSummary(results, out);
        return results;
    }

    private static DemoData loadData(DemoConfig config, PrintStream out) {
        int trainImages = config.pretrainImages() + config.fineTuneImages() * 3;
        DemoData data = DemoData.loadOrSynthesize(config.dataDir(), trainImages, 10_000, config.seed());
        if (data.synthetic()) {
            out.println("""
                    NOTE: the Fashion-MNIST files are not in %s.
                          Install them with `sudo apt-get install %s` or pass --data DIR
                          (a directory with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
                          t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz).
                          The demo goes on with a synthetic ten-class image task instead."""
                    .formatted(config.dataDir(), DemoData.DEBIAN_PACKAGE));
        } else {
            out.println("Data: " + data.source());
        }
        return data;
    }

    private static void printSummary(List<RunResult> results, PrintStream out) {
        out.println();
        out.println("method   trainable   val loss   val acc   KL(base||ft) nats [95% CI]     on-task   off-task");
        for (RunResult r : results) {
            MetricSummary h = r.headline();
            String kl = h == null ? "-" : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", h.mean(), h.ciLow(),
                    h.ciHigh());
            double on = r.last() == null ? Double.NaN : ProgressPrinter.slice(r.last(), DemoTask.ON_TASK);
            double off = r.last() == null ? Double.NaN : ProgressPrinter.worstOffTask(r.last());
            out.printf(Locale.ROOT, "%-8s %8.2f%%   %8.3f   %6.1f%%   %-28s %7.3f   %8.3f%n", r.method(),
                    100 * r.trainableFraction(), r.validateLoss(), 100 * r.validateAccuracy(), kl, on, off);
        }
    }
}
