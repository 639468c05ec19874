package dev.driftwatch.contract;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the service needs to know about a run before its first checkpoint.
 *
 * @param runKey client-chosen key, unique within the project ({@link RunKey})
 * @param name human-readable name
 * @param method how it fine-tunes: {@code full}, {@code head}, {@code adapter}, {@code lora} or {@code other}
 * @param tags free labels for filtering
 * @param baseFingerprint SHA-256 (hex) of the base parameters
 * @param probeFingerprint SHA-256 (hex) of the probe set (inputs, masks, slice labels)
 * @param totalParameters number of parameter elements, buffers excluded
 * @param trainableParameters number of trainable parameter elements
 * @param temperature the softmax temperature of the measurements
 * @param config free-form settings worth keeping (learning rate, batch size, ...)
 * @param startedAt when training started
 */
public record RunInfo(
        String runKey,
        String name,
        String method,
        List<String> tags,
        String baseFingerprint,
        String probeFingerprint,
        long totalParameters,
        long trainableParameters,
        double temperature,
        Map<String, String> config,
        Instant startedAt) implements WireRecord {

    /** The {@code "type"} tag of a run line. */
    public static final String TYPE = "run";
    /**
     * The {@link #config()} key of the run's planned final step, a decimal step: the horizon of the service's
     * drift forecast (docs/forgetting.md), the one config value the service reads.
     */
    public static final String PLANNED_STEPS = "plannedSteps";
    /** The accepted values of {@link #method()}. */
    public static final List<String> METHODS = List.of("full", "head", "adapter", "lora", "other");

    /**
     * Copies the collections so the record stays immutable.
     *
     * @param runKey client-chosen key, unique within the project ({@code [A-Za-z0-9._:-]{1,128}})
     * @param name human-readable name
     * @param method how it fine-tunes: {@code full}, {@code head}, {@code adapter}, {@code lora} or {@code other}
     * @param tags free labels for filtering
     * @param baseFingerprint SHA-256 (hex) of the base parameters
     * @param probeFingerprint SHA-256 (hex) of the probe set (inputs, masks, slice labels)
     * @param totalParameters number of parameter elements, buffers excluded
     * @param trainableParameters number of trainable parameter elements
     * @param temperature the softmax temperature of the measurements
     * @param config free-form settings worth keeping (learning rate, batch size, ...)
     * @param startedAt when training started
     */
    public RunInfo {
        tags = List.copyOf(tags);
        config = Map.copyOf(config);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
