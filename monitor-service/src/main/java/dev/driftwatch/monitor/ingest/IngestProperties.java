package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.CheckpointReport;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits of the ingestion API; a request beyond them is rejected (413 or 422) and writes nothing.
 *
 * @param maxBodySize largest request body, after gzip decompression
 * @param maxCheckpoints most checkpoints in one batch
 * @param maxSlices most slices in one checkpoint
 * @param maxTensors most parameter tensors in one checkpoint
 * @param maxTopExamples most top examples in one checkpoint
 */
@ConfigurationProperties("driftwatch.ingest")
public record IngestProperties(
        @DefaultValue("16MB") DataSize maxBodySize,
        @DefaultValue("1000") int maxCheckpoints,
        @DefaultValue("" + CheckpointReport.DEFAULT_MAX_SLICES) int maxSlices,
        @DefaultValue("" + CheckpointReport.DEFAULT_MAX_TENSORS) int maxTensors,
        @DefaultValue("" + CheckpointReport.DEFAULT_MAX_TOP_EXAMPLES) int maxTopExamples) {}
