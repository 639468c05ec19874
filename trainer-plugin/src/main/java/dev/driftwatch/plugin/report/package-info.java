/**
 * The sink interface the listener hands its measurements to, and {@link
 * dev.driftwatch.plugin.report.CheckpointSummaries}, what a {@code DriftMeter} measurement holds. The
 * measurement records themselves are
 * the wire contract's ({@code dev.driftwatch.contract}, module {@code contract/}): {@link
 * dev.driftwatch.contract.WireJson} is the one place that turns them into JSON and back.
 */
package dev.driftwatch.plugin.report;
