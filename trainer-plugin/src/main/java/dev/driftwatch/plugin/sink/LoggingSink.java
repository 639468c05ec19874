package dev.driftwatch.plugin.sink;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.plugin.report.DriftSink;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one log line per checkpoint (SLF4J, logger {@code dev.driftwatch.plugin.sink.LoggingSink}):
 * the headline KL with its CI, JS, top-1 agreement and the global parameter drift.
 */
public class LoggingSink implements DriftSink {

    private static final Logger logger = LoggerFactory.getLogger(LoggingSink.class);

    /** {@inheritDoc} */
    @Override
    public void runStarted(RunInfo run) {
        logger.info("driftwatch run {} ({}, {} of {} parameters trainable, probes {})", run.runKey(), run.method(),
                run.trainableParameters(), run.totalParameters(), run.probeFingerprint().substring(0, 12));
    }

    /** {@inheritDoc} */
    @Override
    public void checkpoint(CheckpointReport r) {
        logger.info(format(r));
    }

    /** {@inheritDoc} */
    @Override
    public void runFinished(RunEnd end) {
        logger.info("driftwatch run {} {}", end.runKey(), end.status());
    }

    /**
     * Formats a checkpoint as one line.
     *
     * @param r the checkpoint
     * @return the line
     */
    public static String format(CheckpointReport r) {
        if (!r.valid()) {
            return String.format(Locale.ROOT, "driftwatch step %d: INVALID (%s)", r.step(), r.invalidReason());
        }
        MetricSummary kl = r.headline();
        MetricSummary js = r.metrics().get(Metric.JS.wireName());
        MetricSummary top1 = r.metrics().get(Metric.TOP1_AGREE.wireName());
        String params = r.parameters() == null ? ""
                : String.format(Locale.ROOT, ", params rel L2 %.4g", r.parameters().globalRelativeL2());
        return String.format(Locale.ROOT,
                "driftwatch step %d: KL(base||ft) %.4g nats/token [%.4g, %.4g] p99 %.4g, JS %.4g, top-1 agree %.3f%s%s",
                r.step(), kl.mean(), kl.ciLow(), kl.ciHigh(), kl.p99(), js.mean(), top1.mean(), params,
                "exact".equals(r.approximation()) ? "" : " (" + r.approximation() + ")");
    }
}
