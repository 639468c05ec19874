package dev.driftwatch.plugin;

import ai.djl.TrainingDivergedException;

/**
 * Thrown by {@link DriftListener} in guardrail mode to stop training: the lower bound of the headline
 * drift's confidence interval passed the hard limit. It extends DJL's {@link TrainingDivergedException},
 * so code that already handles a diverged run handles this too.
 */
public class DriftLimitExceededException extends TrainingDivergedException {

    private static final long serialVersionUID = 1L;

    /** The step at which the limit was passed. */
    private final long step;
    /** The lower CI bound of KL(base||ft), nats/token. */
    private final double ciLow;
    /** The limit, nats/token. */
    private final double limit;

    /**
     * Creates the exception.
     *
     * @param step the step at which the limit was passed
     * @param ciLow the lower CI bound of KL(base||ft), nats/token
     * @param limit the limit, nats/token
     */
    public DriftLimitExceededException(long step, double ciLow, double limit) {
        super(String.format(java.util.Locale.ROOT,
                "drift guardrail: at step %d the 95%% CI of KL(base||ft) starts at %.6g nats/token, above the limit %.6g",
                step, ciLow, limit));
        this.step = step;
        this.ciLow = ciLow;
        this.limit = limit;
    }

    /**
     * Returns the step at which the limit was passed.
     *
     * @return the step
     */
    public long step() {
        return step;
    }

    /**
     * Returns the lower CI bound that passed the limit.
     *
     * @return nats/token
     */
    public double ciLow() {
        return ciLow;
    }

    /**
     * Returns the limit.
     *
     * @return nats/token
     */
    public double limit() {
        return limit;
    }
}
