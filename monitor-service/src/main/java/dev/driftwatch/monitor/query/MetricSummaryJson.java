package dev.driftwatch.monitor.query;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.driftwatch.contract.MetricSummary;
import org.springframework.boot.jackson.JacksonMixin;

/**
 * How the API writes a {@link MetricSummary}: as the wire format has it, the optional diagnostics
 * ({@code tailIndex}, {@code samplingStdError}) only when present, so a summary reads back exactly as
 * it was uploaded.
 */
@JacksonMixin(MetricSummary.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
abstract class MetricSummaryJson {}
