package dev.driftwatch.monitor.run;

import dev.driftwatch.monitor.flag.FlagService;
import dev.driftwatch.monitor.flag.FlagService.FlagReason;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A run as the API shows it: metadata, checkpoint summary and flags.
 *
 * @param runKey the client's key
 * @param name display name
 * @param method full, head, adapter, lora or other
 * @param tags tags
 * @param baseFingerprint SHA-256 of the base parameters
 * @param probeFingerprint SHA-256 of the probe set
 * @param totalParameters parameter elements
 * @param trainableParameters trainable elements
 * @param trainableFraction trainable / total
 * @param temperature softmax temperature of the measurements
 * @param config free-form settings
 * @param status running, completed, failed or stopped
 * @param startedAt start time
 * @param endedAt end time, or null
 * @param checkpointCount stored checkpoints
 * @param lastStep highest stored step, or null
 * @param lastCheckpointAt when the latest checkpoint arrived, or null
 * @param latestKlMean headline KL of the latest valid checkpoint, nats/token
 * @param latestKlCiLow its lower CI bound
 * @param latestKlCiHigh its upper CI bound
 * @param latestTaskLoss latest task loss (validation, else training)
 * @param maxKlMean largest headline KL mean
 * @param flags raised flags: parameter-heavy, drifts-far
 * @param flagged true when both flags are raised
 * @param flagReasons why each flag was raised
 */
public record RunView(
        String runKey,
        String name,
        String method,
        List<String> tags,
        String baseFingerprint,
        String probeFingerprint,
        long totalParameters,
        long trainableParameters,
        double trainableFraction,
        double temperature,
        Map<String, String> config,
        String status,
        Instant startedAt,
        Instant endedAt,
        int checkpointCount,
        Long lastStep,
        Instant lastCheckpointAt,
        Double latestKlMean,
        Double latestKlCiLow,
        Double latestKlCiHigh,
        Double latestTaskLoss,
        Double maxKlMean,
        List<String> flags,
        boolean flagged,
        List<FlagReason> flagReasons) {

    /**
     * Builds the view of a run entity.
     *
     * @param run the run
     * @return its view
     */
    public static RunView of(Run run) {
        Map<String, String> config = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : JsonMapper.shared().readTree(run.getConfigJson()).properties()) {
            config.put(e.getKey(), e.getValue().asString());
        }
        List<String> flags = new java.util.ArrayList<>(2);
        if (run.isParameterHeavy()) {
            flags.add(FlagService.PARAMETER_HEAVY);
        }
        if (run.isDriftsFar()) {
            flags.add(FlagService.DRIFTS_FAR);
        }
        return new RunView(run.getRunKey(), run.getName(), run.getMethod(), run.getTags(), run.getBaseFingerprint(),
                run.getProbeFingerprint(), run.getTotalParameters(), run.getTrainableParameters(),
                run.getTrainableFraction(), run.getTemperature(), config, run.getStatus(), run.getStartedAt(),
                run.getEndedAt(), run.getCheckpointCount(), run.getLastStep(), run.getLastCheckpointAt(),
                run.getLatestKlMean(), run.getLatestKlCiLow(), run.getLatestKlCiHigh(), run.getLatestTaskLoss(),
                run.getMaxKlMean(), List.copyOf(flags), run.isFlagged(), FlagService.reasons(run.getFlagReasonsJson()));
    }
}
