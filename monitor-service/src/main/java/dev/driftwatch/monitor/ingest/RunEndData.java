package dev.driftwatch.monitor.ingest;

import java.time.Instant;

/**
 * A validated run end.
 *
 * @param status completed, failed or stopped
 * @param endedAt when it ended
 */
public record RunEndData(String status, Instant endedAt) {}
