package dev.driftwatch.monitor.ingest;

/**
 * A run that was marked as ended: handed to every {@link IngestListener} inside the transaction that
 * records the end.
 *
 * @param projectId the project's id
 * @param projectKey the project's key
 * @param runId the run's id
 * @param runKey the run's key
 * @param status how it ended: completed, failed or stopped
 */
public record RunEnded(long projectId, String projectKey, long runId, String runKey, String status) {}
