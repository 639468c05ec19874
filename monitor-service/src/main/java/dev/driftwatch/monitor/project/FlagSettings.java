package dev.driftwatch.monitor.project;

/**
 * A project's flagging settings (SPEC "Flagging").
 *
 * @param trainableFractionThreshold a run is parameter-heavy when its trainable fraction is at or
 *     above this
 * @param klThreshold a run drifts far when the lower CI bound of its latest headline KL (nats/token)
 *     is above this
 * @param driftFactor a run also drifts far when its KL is at least this many times the KL of the
 *     lightest comparable runs at a similar task loss
 * @param lossTolerance relative task-loss difference still counted as "similar" (0.10 = 10%)
 */
public record FlagSettings(
        double trainableFractionThreshold, double klThreshold, double driftFactor, double lossTolerance) {

    /** A setting of -0.0 is stored, and shown, as 0.0 (adding +0.0 turns -0.0 into +0.0 and keeps every other value). */
    public FlagSettings {
        trainableFractionThreshold += 0.0;
        klThreshold += 0.0;
        driftFactor += 0.0;
        lossTolerance += 0.0;
    }

    /** The defaults of a new project. */
    public static final FlagSettings DEFAULTS = new FlagSettings(0.10, 0.5, 3.0, 0.10);
}
