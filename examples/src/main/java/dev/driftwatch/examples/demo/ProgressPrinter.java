package dev.driftwatch.examples.demo;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.plugin.DriftListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints one line per round while a run trains: step, validation loss and accuracy, and the drift
 * the {@link DriftListener} just measured (headline KL with its 95% CI, and on the on-task and
 * off-task slices). Register it after the drift listener so it sees that round's checkpoint.
 */
final class ProgressPrinter extends TrainingListenerAdapter {

    private final DriftListener drift;
    private final String label;
    private final int totalSteps;
    private final PrintStream out;
    private long steps;

    ProgressPrinter(DriftListener drift, String label, int totalSteps, PrintStream out) {
        this.drift = drift;
        this.label = label;
        this.totalSteps = totalSteps;
        this.out = out;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        steps++;
    }

    @Override
    public void onEpoch(Trainer trainer) {
        var result = trainer.getTrainingResult();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "  %-8s step %4d/%d  %s  val loss %.3f acc %5.1f%%", label, steps, totalSteps, bar(),
                result.getValidateLoss(), 100 * result.getValidateEvaluation("Accuracy")));
        CheckpointReport report = drift.lastReport();
        if (report != null && report.valid()) {
            MetricSummary h = report.headline();
            line.append(String.format(Locale.ROOT, "  KL(base||ft) %.3f [%.3f, %.3f]", h.mean(), h.ciLow(),
                    h.ciHigh()));
            line.append(String.format(Locale.ROOT, "  on-task %.3f  off-task %.3f",
                    slice(report, DemoTask.ON_TASK), Math.max(slice(report, DemoTask.OFF_TASK_FOOTWEAR),
                            slice(report, DemoTask.OFF_TASK_OTHER))));
        }
        out.println(line);
    }

    private String bar() {
        int width = 20;
        int filled = (int) Math.min(width, steps * width / Math.max(1, totalSteps));
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** The mean KL of one slice, NaN when the checkpoint has no such slice. */
    static double slice(CheckpointReport report, String name) {
        for (SliceSummary s : report.slices()) {
            if (s.slice().equals(name)) {
                MetricSummary m = s.metrics().get(Metric.HEADLINE.wireName());
                return m == null ? Double.NaN : m.mean();
            }
        }
        return Double.NaN;
    }
}
