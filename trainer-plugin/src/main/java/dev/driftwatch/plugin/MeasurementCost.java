package dev.driftwatch.plugin;

import java.time.Duration;
import java.util.Locale;

/**
 * What measuring has cost a run so far, in wall-clock time on the training thread: what a user weighs
 * against the training itself (on their hardware, which the project's benchmarks are not).
 *
 * @param checkpoints checkpoints measured
 * @param baseCapture the base model's forward over the probe set and what is kept of it (or the base
 *     cache read), once
 * @param measuring the checkpoints: probe forward, divergences, intervals, parameter drift, sampled
 *     drift and the hand-over to the sinks
 * @param parameterDrift the time the parameter drift took: on the helper thread, beside the probe forward (by
 *     default, where a core is free), so only the part of it the forward did not cover is in {@code measuring};
 *     on the training thread ({@code optHelperThread(false)}), a part of {@code measuring}
 * @param tokenDetail the part spent on the per-token detail of the top examples (sequence probes with a
 *     vocabulary): a second forward over their groups
 * @param sampledDrift the part spent sampling continuations for the sampled estimates (k1, k3): two
 *     forwards per sampled token
 * @param training the time between checkpoints, from the end of one to the start of the next: the
 *     training the checkpoints interrupted
 */
public record MeasurementCost(
        int checkpoints, Duration baseCapture, Duration measuring, Duration parameterDrift, Duration tokenDetail,
        Duration sampledDrift, Duration training) {

    /** Nothing measured yet. */
    public static final MeasurementCost NONE =
            new MeasurementCost(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                    Duration.ZERO);

    /**
     * The share of the run's time (checkpoints plus the training between them) spent measuring.
     *
     * @return in [0, 1]; 0 before any time has passed
     */
    public double fraction() {
        long total = measuring.toNanos() + training.toNanos();
        return total == 0 ? 0 : (double) measuring.toNanos() / total;
    }

    /**
     * This cost with one more checkpoint.
     *
     * @param checkpoint the checkpoint's wall-clock time, with its parts in the other fields (base capture and
     *     training: 0)
     * @param trainedBefore the training time since the previous checkpoint
     * @return the sum
     */
    MeasurementCost plus(MeasurementCost checkpoint, Duration trainedBefore) {
        return new MeasurementCost(checkpoints + 1, baseCapture, measuring.plus(checkpoint.measuring),
                parameterDrift.plus(checkpoint.parameterDrift), tokenDetail.plus(checkpoint.tokenDetail),
                sampledDrift.plus(checkpoint.sampledDrift), training.plus(trainedBefore));
    }

    /**
     * One checkpoint's cost.
     *
     * @param measured its wall-clock time
     * @param parameters the part spent on the parameter drift
     * @param tokens the part spent on the per-token detail
     * @param sampled the part spent on sampled drift
     * @return the checkpoint's cost (one checkpoint, no capture, no training)
     */
    static MeasurementCost checkpoint(Duration measured, Duration parameters, Duration tokens, Duration sampled) {
        return new MeasurementCost(1, Duration.ZERO, measured, parameters, tokens, sampled, Duration.ZERO);
    }

    /**
     * This cost with the base capture's time.
     *
     * @param capture the capture's wall-clock time
     * @return the cost with it
     */
    MeasurementCost withBaseCapture(Duration capture) {
        return new MeasurementCost(checkpoints, capture, measuring, parameterDrift, tokenDetail, sampledDrift, training);
    }

    /**
     * The time and its parts, e.g. {@code 0.284 s (parameter drift 0.046 s, sampled drift 0.180 s)}: the
     * parts that took any time.
     *
     * @return the description
     */
    String measuringWithParts() {
        java.util.List<String> parts = new java.util.ArrayList<>();
        if (!parameterDrift.isZero()) {
            parts.add("parameter drift " + seconds(parameterDrift));
        }
        if (!tokenDetail.isZero()) {
            parts.add("per-token detail " + seconds(tokenDetail));
        }
        if (!sampledDrift.isZero()) {
            parts.add("sampled drift " + seconds(sampledDrift));
        }
        return seconds(measuring) + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
    }

    /**
     * A one-line summary for the log, e.g. {@code 12 checkpoints took 27.6 s (parameter drift 3.1 s),
     * 4.0% of the 690 s of the run; the base capture took 2.2 s} (parts that took no time left out).
     *
     * @return the summary
     */
    public String describe() {
        String line = String.format(Locale.ROOT, "%d checkpoint%s took %s, %.1f%% of the %s of the run", checkpoints,
                checkpoints == 1 ? "" : "s", measuringWithParts(), 100 * fraction(), seconds(measuring.plus(training)));
        // (zero until the base is captured)
        return baseCapture.isZero() ? line : line + "; the base capture took " + seconds(baseCapture);
    }

    /** A duration in seconds, to 3 significant digits. */
    static String seconds(Duration d) {
        double s = d.toNanos() / 1e9;
        return String.format(Locale.ROOT, s >= 100 ? "%.0f s" : s >= 10 ? "%.1f s" : s >= 1 ? "%.2f s" : "%.3f s", s);
    }
}
