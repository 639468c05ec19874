package dev.driftwatch.contract;

/**
 * One of the probe examples that drifted most at a checkpoint.
 *
 * @param probeId the example's id in the probe set
 * @param slice the example's slice label
 * @param metric the metric it was ranked by (normally {@link Metric#HEADLINE})
 * @param value its per-example value of that metric
 * @param tokens per-token drift in words (sequence probes measured with a vocabulary), or null
 */
public record TopExample(String probeId, String slice, String metric, double value, TokenDrift tokens) {

    /**
     * Creates a top example without per-token drift.
     *
     * @param probeId the example's id in the probe set
     * @param slice the example's slice label
     * @param metric the metric it was ranked by
     * @param value its per-example value of that metric
     */
    public TopExample(String probeId, String slice, String metric, double value) {
        this(probeId, slice, metric, value, null);
    }
}
