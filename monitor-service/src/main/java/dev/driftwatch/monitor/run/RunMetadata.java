package dev.driftwatch.monitor.run;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A run's metadata as validated from the wire.
 *
 * @param name display name
 * @param method full, head, adapter, lora or other
 * @param tags tags
 * @param baseFingerprint SHA-256 of the base parameters, lower-case hex
 * @param probeFingerprint SHA-256 of the probe set, lower-case hex
 * @param totalParameters number of parameter elements
 * @param trainableParameters number of trainable ones
 * @param temperature softmax temperature of the measurements
 * @param config free-form settings
 * @param startedAt start time
 */
public record RunMetadata(
        String name,
        String method,
        List<String> tags,
        String baseFingerprint,
        String probeFingerprint,
        long totalParameters,
        long trainableParameters,
        double temperature,
        Map<String, String> config,
        Instant startedAt) {

    /** The accepted methods. */
    public static final List<String> METHODS = List.of("full", "head", "adapter", "lora", "other");
}
