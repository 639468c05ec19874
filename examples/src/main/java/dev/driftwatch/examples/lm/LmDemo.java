package dev.driftwatch.examples.lm;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.examples.demo.ProgressPrinter;
import dev.driftwatch.examples.demo.RunResult;
import dev.driftwatch.plugin.report.DriftSink;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The LM demo: builds the vocabulary and probes from the fortunes corpus, pretrains (or loads) the base
 * LM, and fine-tunes it on one category with each configured {@link LmMethod}, one after the other,
 * each with a drift listener whose reports go to the sinks the caller makes for it.
 *
 * <pre>
 * List&lt;RunResult&gt; results = LmDemo.run(LmConfig.quick(cache), "lm-1",
 *         runKey -&gt; List.of(new JsonLinesFileSink(Path.of(runKey + ".jsonl"))), System.out);
 * </pre>
 */
public final class LmDemo {

    private LmDemo() {}

    /**
     * Runs the demo.
     *
     * @param config what to train
     * @param runKeyPrefix prefix of the run keys ({@code <prefix>-full} etc.)
     * @param sinks makes the sinks of one run from its key; the listener closes them at the run's end
     * @param out where progress goes
     * @return one result per method, in order
     */
    public static List<RunResult> run(LmConfig config, String runKeyPrefix, Function<String, List<DriftSink>> sinks,
            PrintStream out) {
        FortuneCorpus corpus = loadCorpus(config, out);
        LmTask task = LmTask.of(corpus, config);
        WordVocabulary vocabulary = task.vocabulary();
        out.printf(Locale.ROOT, "Vocabulary: %d tokens: %d lower-cased words, numbers and punctuation marks, and %d word"
                + " pieces that spell the rest (docs/quickstart.md)%n", vocabulary.size(), vocabulary.wordCount(),
                vocabulary.pieceCount());
        Path baseDir = LmBaseModel.loadOrPretrain(config, task, corpus.source(), out);
        out.printf(Locale.ROOT, "Probe set: %d quotations (%d-token prompt, continuation scored, T = %d), slices %s"
                + " (fingerprint %s...)%n", task.probes().size(), config.promptTokens(), config.context(),
                task.probes().sliceNames(), task.probes().fingerprint().substring(0, 12));
        out.printf(Locale.ROOT, "Fine-tuning task: '%s' quotations, %d sequences of %d tokens, %d steps of %d per run,"
                + " validation on %d held-out sequences%n", config.onTask(), task.fineTuning().count(),
                config.context(), config.steps(), config.batchSize(), task.validation().count());
        List<String> tags = List.of("demo", "lm", corpus.synthetic() ? "synthetic" : "fortunes");
        LmFineTuneRun runner = new LmFineTuneRun(config, baseDir, task, tags);
        List<RunResult> results = new ArrayList<>();
        for (LmMethod method : config.methods()) {
            String runKey = runKeyPrefix + "-" + method.key();
            out.printf(Locale.ROOT, "%nFine-tuning run %s (%s, Adam lr %s)%n", runKey, method.label(),
                    method.learningRate());
            results.add(runner.run(method, runKey, sinks.apply(runKey), out));
        }
        printSummary(results, runKeyPrefix, out);
        return results;
    }

    private static FortuneCorpus loadCorpus(LmConfig config, PrintStream out) {
        FortuneCorpus corpus = FortuneCorpus.loadOrSynthesize(config.corpusDir(), config.neededCategories(),
                config.seed());
        if (corpus.synthetic()) {
            out.println("""
                    NOTE: the fortunes corpus is not in %s (categories %s needed).
                          Install it with `sudo apt-get install %s`, or pass --corpus DIR.
                          The LM demo goes on with synthetic text instead."""
                    .formatted(config.corpusDir(), config.neededCategories(), FortuneCorpus.DEBIAN_PACKAGE));
        } else {
            out.println("Corpus: " + corpus.source() + " (" + corpus.categories().size() + " categories)");
        }
        return corpus;
    }

    private static void printSummary(List<RunResult> results, String runKeyPrefix, PrintStream out) {
        out.println();
        out.println("method       trainable   val loss   KL(base||ft) nats/token [95% CI]   on-task   off-task [95% CI]");
        for (RunResult r : results) {
            MetricSummary h = r.headline();
            String kl = h == null ? "-" : String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", h.mean(), h.ciLow(),
                    h.ciHigh());
            double on = r.last() == null ? Double.NaN : ProgressPrinter.slice(r.last(), ProgressPrinter.ON_TASK);
            MetricSummary off = r.last() == null ? null : worstOffTask(r);
            out.printf(Locale.ROOT, "%-12s %8.2f%%   %8.3f   %-33s %7.4f   %s%n", r.runKey().substring(
                    runKeyPrefix.length() + 1), 100 * r.trainableFraction(),
                    r.validateLoss(), kl, on, off == null ? "-" : String.format(Locale.ROOT, "%.4f [%.4f, %.4f]",
                            off.mean(), off.ciLow(), off.ciHigh()));
        }
    }

    /** The off-task slice with the largest mean KL at the run's last checkpoint. */
    static MetricSummary worstOffTask(RunResult r) {
        MetricSummary worst = null;
        for (SliceSummary s : r.last().slices()) {
            MetricSummary m = s.metrics().get(Metric.HEADLINE.wireName());
            if (s.slice().startsWith(ProgressPrinter.OFF_TASK_PREFIX) && m != null
                    && (worst == null || m.mean() > worst.mean())) {
                worst = m;
            }
        }
        return worst;
    }
}
