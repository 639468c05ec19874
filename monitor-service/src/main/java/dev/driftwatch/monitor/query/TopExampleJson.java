package dev.driftwatch.monitor.query;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.driftwatch.contract.TopExample;
import org.springframework.boot.jackson.JacksonMixin;

/**
 * How the API writes a {@link TopExample}: its {@code tokens} (per-token drift) only when there are
 * some, so a classifier's top example reads back exactly as it was uploaded.
 */
@JacksonMixin(TopExample.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
abstract class TopExampleJson {}
