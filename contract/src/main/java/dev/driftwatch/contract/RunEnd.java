package dev.driftwatch.contract;

import java.time.Instant;

/**
 * The end of a run.
 *
 * @param runKey the run's key
 * @param status {@code completed}, {@code failed} or {@code stopped} (e.g. by the guardrail): the wire name of
 *     an ending {@link RunStatus}
 * @param endedAt when it ended
 */
public record RunEnd(String runKey, String status, Instant endedAt) implements WireRecord {

    /** The {@code "type"} tag of a run-end line. */
    public static final String TYPE = "end";

    @Override
    public String type() {
        return TYPE;
    }
}
