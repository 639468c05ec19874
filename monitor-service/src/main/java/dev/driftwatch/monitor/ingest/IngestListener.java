package dev.driftwatch.monitor.ingest;

/**
 * The seam for work that must happen with every stored upload, atomically with it (alert rule
 * evaluation, outbox entries). Every bean implementing it is called, in {@code @Order}, inside the
 * ingest transaction after the checkpoints are written and the run's flags are recomputed; an
 * exception rolls the whole upload back. Not called when an upload stored nothing new. The same holds
 * for a run's end ({@link #onRunEnded}).
 */
public interface IngestListener {

    /**
     * Called after an upload's new checkpoints are stored, in the same transaction.
     *
     * @param event what was stored
     */
    void onCheckpointsStored(CheckpointsStored event);

    /**
     * Called when a run is marked as ended, in the same transaction (also when an end is uploaded again).
     *
     * @param event the run and how it ended
     */
    default void onRunEnded(RunEnded event) {}
}
