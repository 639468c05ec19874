/**
 * The service's edge: what every request must satisfy before any controller, parser or SQL sees it.
 * {@link dev.driftwatch.monitor.edge.EdgeFilter} bounds every body (413 while streaming) and rejects
 * text PostgreSQL cannot store in the path and query; {@link dev.driftwatch.monitor.edge.StorableJson}
 * does the same for every string and name of a JSON body; {@link dev.driftwatch.monitor.edge.PgLimits}
 * holds the limits of the columns and arithmetic (steps, counts, times) the field checks use.
 */
package dev.driftwatch.monitor.edge;
