package dev.driftwatch.plugin;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.plugin.report.DriftSink;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands every record to several sinks; a sink that throws is logged and never stops the others or training. */
final class SinkFanOut implements DriftSink {

    private static final Logger logger = LoggerFactory.getLogger(SinkFanOut.class);

    private final List<DriftSink> sinks;

    SinkFanOut(List<DriftSink> sinks) {
        this.sinks = List.copyOf(sinks);
    }

    @Override
    public void runStarted(RunInfo run) {
        each("runStarted", s -> s.runStarted(run));
    }

    @Override
    public void checkpoint(CheckpointReport report) {
        each("checkpoint", s -> s.checkpoint(report));
    }

    @Override
    public void runFinished(RunEnd end) {
        each("runFinished", s -> s.runFinished(end));
    }

    /** Longer waits are this one (a century: beyond it, nanoseconds overflow a long). */
    private static final Duration FOREVER = Duration.ofDays(36_500);

    @Override
    public boolean flush(Duration timeout) {
        // one deadline for all: sinks flushed one after another share the time the caller gave
        long deadline = System.nanoTime() + (timeout.compareTo(FOREVER) > 0 ? FOREVER : timeout).toNanos();
        boolean[] all = {true};
        each("flush", s -> all[0] &= s.flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        return all[0];
    }

    @Override
    public void close() {
        each("close", DriftSink::close);
    }

    private void each(String what, Consumer<DriftSink> call) {
        // a broken JVM's error goes on up only once every sink has had its call
        Failures.each(sinks, call, (sink, e) -> logger.warn("driftwatch: sink {} failed in {}: {}",
                sink.getClass().getSimpleName(), what, e.toString(), e));
    }
}
