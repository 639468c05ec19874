package dev.driftwatch.monitor.alert;

import java.time.Instant;

/**
 * The mutable state of the latest episode of one alert instance (rule, run, slice) while an upload
 * is evaluated; {@link AlertStore} loads and saves it.
 */
final class AlertState {

    Long id;
    final long ruleId;
    final String sliceKey;
    AlertStatus state;
    int consecutive;
    /** Checkpoints in a row a firing episode's condition has not held (it resolves at the rule's keepFiringFor). */
    int clearStreak;
    long startedStep;
    long lastStep;
    Double lastValue;
    /** What was last seen, in words; {@link #words} when those are not written yet. */
    String summary;
    /** The last observation's words, written when first read ({@link #summary()}), or null. */
    java.util.function.Supplier<String> words;
    Instant startedAt;
    Instant firedAt;
    Instant endedAt;
    Instant lastNotifiedAt;
    int notifications;

    AlertState(long ruleId, String sliceKey) {
        this.ruleId = ruleId;
        this.sliceKey = sliceKey;
    }

    /**
     * What was last seen, in words (written now if they were not yet).
     *
     * @return the words, or null
     */
    String summary() {
        if (words != null) {
            summary = words.get();
            words = null;
        }
        return summary;
    }

    /** @return true while pending or firing */
    boolean open() {
        return state != null && state.isOpen();
    }
}
