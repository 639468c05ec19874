package dev.driftwatch.plugin;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.plugin.probe.ProbeSet;
import java.nio.file.Path;

/**
 * What and how the {@link DriftMeter} measures; built by {@link DriftListener.Builder#buildSettings()} (or
 * by the listener itself).
 *
 * @param probes the probe set
 * @param temperature the softmax temperature tau of the measurement (> 0)
 * @param outputIndex which element of the model's output {@code NDList} holds the logits
 * @param batchSize probe examples per forward pass
 * @param memoryBudgetBytes largest size of the full base log-probabilities before the top-k approximation
 * @param topK classes kept per position under the top-k approximation
 * @param tailSamples tail classes sampled per position beyond the top k (0: the k + 1-bin lower bound only)
 * @param baseCacheDirectory where captured bases are cached, or null for no cache
 * @param bootstrapResamples resamples of the bootstrap interval
 * @param seed the bootstrap seed
 * @param topExamples how many top drifting examples each checkpoint lists
 * @param parameterDrift whether parameter drift is measured
 * @param stableRankIterations power iterations for stable ranks of 2-D updates, 0 for none
 * @param helperThread whether a helper thread may run the parameter drift and comparisons beside the probe
 *     forward, where a core is free for it (the calling thread waits for it before returning)
 */
public record DriftSettings(
        ProbeSet probes,
        double temperature,
        int outputIndex,
        int batchSize,
        long memoryBudgetBytes,
        int topK,
        int tailSamples,
        Path baseCacheDirectory,
        int bootstrapResamples,
        long seed,
        int topExamples,
        boolean parameterDrift,
        int stableRankIterations,
        boolean helperThread) {

    /**
     * Validates the settings.
     *
     * @param probes the probe set
     * @param temperature the softmax temperature tau of the measurement (> 0)
     * @param outputIndex which element of the model's output {@code NDList} holds the logits
     * @param batchSize probe examples per forward pass
     * @param memoryBudgetBytes largest size of the full base log-probabilities before the top-k approximation
     * @param topK classes kept per position under the top-k approximation
     * @param tailSamples tail classes sampled per position beyond the top k (0: the k + 1-bin lower bound only)
     * @param baseCacheDirectory where captured bases are cached, or null for no cache
     * @param bootstrapResamples resamples of the bootstrap interval
     * @param seed the bootstrap seed
     * @param topExamples how many top drifting examples each checkpoint lists
     * @param parameterDrift whether parameter drift is measured
     * @param stableRankIterations power iterations for stable ranks of 2-D updates, 0 for none
     * @param helperThread whether a helper thread may run the parameter drift and comparisons beside the
     *     probe forward, where a core is free for it
     */
    public DriftSettings {
        if (probes == null) {
            throw new IllegalArgumentException("a probe set is required");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0: " + temperature);
        }
        atLeast("outputIndex", outputIndex, 0);
        atLeast("batchSize", batchSize, 1);
        atLeast("memoryBudgetBytes", memoryBudgetBytes, 0);
        atLeast("topK", topK, 1);
        atLeast("topExamples", topExamples, 0);
        if (topExamples > CheckpointReport.DEFAULT_MAX_TOP_EXAMPLES) {
            // the service's default driftwatch.ingest.max-top-examples refuses checkpoints with more
            throw new IllegalArgumentException("topExamples must be <= " + CheckpointReport.DEFAULT_MAX_TOP_EXAMPLES
                    + "; given " + topExamples);
        }
        atLeast("stableRankIterations", stableRankIterations, 0);
        if (tailSamples < 0 || tailSamples == 1) {
            throw new IllegalArgumentException("tailSamples must be 0 or >= 2 (a variance needs two draws): "
                    + tailSamples);
        }
        if (bootstrapResamples < 1000) {
            throw new IllegalArgumentException("bootstrapResamples must be >= 1000: " + bootstrapResamples);
        }
    }

    /**
     * Settings with the helper thread allowed (the parameter drift and comparisons beside the probe forward,
     * where cores are free for it).
     *
     * @param probes the probe set
     * @param temperature tau
     * @param outputIndex the logits' index in the output
     * @param batchSize probe examples per forward pass
     * @param memoryBudgetBytes the memory budget of the full base logits
     * @param topK k
     * @param tailSamples tail classes sampled per position beyond the top k (0: the k + 1-bin lower bound only)
     * @param baseCacheDirectory the base cache directory, or null
     * @param bootstrapResamples the bootstrap's resamples
     * @param seed the seed
     * @param topExamples how many top examples to list
     * @param parameterDrift whether to measure parameter drift
     * @param stableRankIterations stable-rank iterations, 0 for none
     */
    public DriftSettings(ProbeSet probes, double temperature, int outputIndex, int batchSize, long memoryBudgetBytes,
            int topK, int tailSamples, Path baseCacheDirectory, int bootstrapResamples, long seed, int topExamples,
            boolean parameterDrift, int stableRankIterations) {
        this(probes, temperature, outputIndex, batchSize, memoryBudgetBytes, topK, tailSamples, baseCacheDirectory,
                bootstrapResamples, seed, topExamples, parameterDrift, stableRankIterations, true);
    }

    /**
     * Settings with the top-k approximation alone (no sampled tail) beyond the memory budget.
     *
     * @param probes the probe set
     * @param temperature tau
     * @param outputIndex the logits' index in the output
     * @param batchSize probe examples per forward pass
     * @param memoryBudgetBytes the memory budget of the full base logits
     * @param topK k
     * @param baseCacheDirectory the base cache directory, or null
     * @param bootstrapResamples the bootstrap's resamples
     * @param seed the seed
     * @param topExamples how many top examples to list
     * @param parameterDrift whether to measure parameter drift
     * @param stableRankIterations stable-rank iterations, 0 for none
     */
    public DriftSettings(ProbeSet probes, double temperature, int outputIndex, int batchSize, long memoryBudgetBytes,
            int topK, Path baseCacheDirectory, int bootstrapResamples, long seed, int topExamples,
            boolean parameterDrift, int stableRankIterations) {
        this(probes, temperature, outputIndex, batchSize, memoryBudgetBytes, topK, 0, baseCacheDirectory,
                bootstrapResamples, seed, topExamples, parameterDrift, stableRankIterations);
    }

    /** Refuses a setting below its least value, naming the setting and the value given. */
    private static void atLeast(String name, long value, long least) {
        if (value < least) {
            throw new IllegalArgumentException(name + " must be >= " + least + "; given " + value);
        }
    }
}
