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
 * Prints one line per round while a run trains: step, validation loss (and accuracy, when the
 * trainer evaluates one), and the drift the {@link DriftListener} just measured (headline KL with its
 * 95% CI, on the {@value #ON_TASK} slice and the worst {@value #OFF_TASK_PREFIX}* slice); at the end, what
 * measuring cost the run ({@link DriftListener#cost()}). Register it after the drift listener so it sees
 * that round's checkpoint and its last one.
 */
public final class ProgressPrinter extends TrainingListenerAdapter {

    /** The name of the fine-tuning task's slice in both demos. */
    public static final String ON_TASK = "on-task";
    /** The prefix of the off-task slices' names in both demos. */
    public static final String OFF_TASK_PREFIX = "off-task/";

    private final DriftListener drift;
    private final String label;
    private final int totalSteps;
    private final PrintStream out;
    private long steps;

    /**
     * Creates the printer.
     *
     * @param drift the run's drift listener
     * @param label the run's short name
     * @param totalSteps the run's steps
     * @param out where to print
     */
    public ProgressPrinter(DriftListener drift, String label, int totalSteps, PrintStream out) {
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
                "  %-10s step %4d/%d  %s  val loss %.3f", label, steps, totalSteps, bar(), result.getValidateLoss()));
        Float accuracy = result.getValidateEvaluation("Accuracy");
        if (accuracy != null) {
            line.append(String.format(Locale.ROOT, " acc %5.1f%%", 100 * accuracy));
        }
        CheckpointReport report = drift.lastReport();
        if (report != null && report.valid()) {
            MetricSummary h = report.headline();
            line.append(String.format(Locale.ROOT, "  KL(base||ft) %.3f [%.3f, %.3f]", h.mean(), h.ciLow(),
                    h.ciHigh()));
            line.append(String.format(Locale.ROOT, "  on-task %.3f  off-task %.3f", slice(report, ON_TASK),
                    worstOffTask(report)));
        }
        out.println(line);
    }

    /** At the end, what measuring cost the run (the drift listener's own account of it). */
    @Override
    public void onTrainingEnd(Trainer trainer) {
        out.println(String.format(Locale.ROOT, "  %-10s driftwatch: %s", label, drift.cost().describe()));
    }

    private String bar() {
        int width = 20;
        int filled = (int) Math.min(width, steps * width / Math.max(1, totalSteps));
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /**
     * Returns the largest mean KL(base||ft) of the off-task slices.
     *
     * @param report a checkpoint
     * @return the worst off-task slice's mean, NaN when there is none
     */
    public static double worstOffTask(CheckpointReport report) {
        double worst = Double.NaN;
        for (SliceSummary s : report.slices()) {
            if (s.slice().startsWith(OFF_TASK_PREFIX)) {
                double v = slice(report, s.slice());
                worst = Double.isNaN(worst) ? v : Math.max(worst, v);
            }
        }
        return worst;
    }

    /**
     * Returns the mean KL(base||ft) of one slice.
     *
     * @param report a checkpoint
     * @param name the slice
     * @return the mean, NaN when the checkpoint has no such slice
     */
    public static double slice(CheckpointReport report, String name) {
        for (SliceSummary s : report.slices()) {
            if (s.slice().equals(name)) {
                MetricSummary m = s.metrics().get(Metric.HEADLINE.wireName());
                return m == null ? Double.NaN : m.mean();
            }
        }
        return Double.NaN;
    }
}
