package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.CheckpointReport;
import java.util.List;

/**
 * What one upload stored: handed to every {@link IngestListener} inside the ingest transaction,
 * after the checkpoints are written and the run's flags recomputed.
 *
 * @param projectId the project's id
 * @param projectKey the project's key
 * @param runId the run's id
 * @param runKey the run's key
 * @param stored the checkpoints newly stored by this upload, in upload order (duplicates excluded)
 * @param duplicates how many checkpoints of the upload were already stored
 */
public record CheckpointsStored(
        long projectId, String projectKey, long runId, String runKey, List<CheckpointReport> stored, int duplicates) {}
