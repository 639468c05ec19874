/**
 * The measurement records the listener produces and every {@link dev.driftwatch.plugin.report.DriftSink}
 * consumes. They are also the wire format of the ingestion API (see {@code docs/api/ingestion.md}): {@link
 * dev.driftwatch.plugin.report.ReportJson} is the one place that turns them into JSON and back.
 */
package dev.driftwatch.plugin.report;
