package dev.driftwatch.plugin.report;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.SliceSummary;
import dev.driftwatch.contract.TopExample;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's distribution metrics as {@link dev.driftwatch.plugin.DriftMeter} measures them: the summaries
 * over all probes, per slice, and the top drifting examples (what a
 * {@link dev.driftwatch.contract.CheckpointReport} carries).
 *
 * @param metrics the overall summaries by metric name (e.g. {@code kl_base_ft})
 * @param slices the per-slice summaries
 * @param top the top drifting examples by the ranking metric
 */
public record CheckpointSummaries(Map<String, MetricSummary> metrics, List<SliceSummary> slices,
        List<TopExample> top) {}
