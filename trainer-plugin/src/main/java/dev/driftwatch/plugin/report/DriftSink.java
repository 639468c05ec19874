package dev.driftwatch.plugin.report;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import java.time.Duration;

/**
 * Receives what the drift listener measures. Implementations must never throw into the caller and
 * must return quickly: they are called on the training thread.
 */
public interface DriftSink extends AutoCloseable {

    /**
     * Called once, before the first checkpoint of a run.
     *
     * @param run the run's metadata
     */
    void runStarted(RunInfo run);

    /**
     * Called at every checkpoint.
     *
     * @param report the measurements
     */
    void checkpoint(CheckpointReport report);

    /**
     * Called once when the run ends.
     *
     * @param end how it ended
     */
    void runFinished(RunEnd end);

    /**
     * Waits at most {@code timeout} until everything handed over so far is delivered.
     *
     * @param timeout the longest wait
     * @return true when everything was delivered in time
     */
    default boolean flush(Duration timeout) {
        return true;
    }

    /** Flushes with the sink's default bound and releases its resources; idempotent. */
    @Override
    default void close() {}
}
