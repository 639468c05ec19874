package dev.driftwatch.contract;

/**
 * One record of the wire contract: a run's metadata, a checkpoint or a run end. In a JSON-lines file
 * each is one line tagged with its {@link #type()}; over HTTP each has its own endpoint
 * (docs/api/ingestion.md).
 */
public sealed interface WireRecord permits RunInfo, CheckpointReport, RunEnd {

    /**
     * Returns the key of the run the record belongs to.
     *
     * @return the run key ({@link RunKey})
     */
    String runKey();

    /**
     * Returns the record's {@code "type"} tag in a JSON-lines file.
     *
     * @return {@code run}, {@code checkpoint} or {@code end}
     */
    String type();
}
