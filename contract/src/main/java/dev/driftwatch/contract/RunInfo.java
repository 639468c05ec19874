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
    /**
     * Reads a {@link #PLANNED_STEPS} value: decimal digits (surrounding white space ignored), 1 to
     * {@link CheckpointReport#MAX_STEP}.
     *
     * @param text the config value, or null
     * @return the planned final step, or null when the text is not one
     */
    public static Long plannedSteps(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip();
        if (!PLANNED.matcher(t).matches()) {
            return null;
        }
        long steps = Long.parseLong(t);
        return steps >= 1 && steps <= CheckpointReport.MAX_STEP ? steps : null;
    }

    private static final java.util.regex.Pattern PLANNED = java.util.regex.Pattern.compile("\\+?[0-9]{1,16}");

    /** The longest {@link #name()}, in characters. */
    public static final int MAX_NAME_LENGTH = 200;
    /** The most {@link #tags()}. */
    public static final int MAX_TAGS = 32;
    /** The longest tag, in characters (and the shortest is 1). */
    public static final int MAX_TAG_LENGTH = 64;
    /** The most {@link #config()} entries. */
    public static final int MAX_CONFIG_ENTRIES = 64;
    /** The longest config key, in characters (and the shortest is 1). */
    public static final int MAX_CONFIG_KEY_LENGTH = 128;
    /** The longest config value, in characters. */
    public static final int MAX_CONFIG_VALUE_LENGTH = 4096;
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
