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
    String summary;
    Instant startedAt;
    Instant firedAt;
    Instant endedAt;
    Instant lastNotifiedAt;
    int notifications;

    AlertState(long ruleId, String sliceKey) {
        this.ruleId = ruleId;
        this.sliceKey = sliceKey;
    }

    /** @return true while pending or firing */
    boolean open() {
        return state != null && state.isOpen();
    }
}
