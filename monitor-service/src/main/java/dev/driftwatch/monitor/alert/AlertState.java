package dev.driftwatch.monitor.alert;

import java.time.Instant;

/**
 * The mutable state of the latest episode of one alert instance (rule, run, slice) while an upload
 * is evaluated; {@link AlertStore} loads and saves it.
 */
final class AlertState {

    /** Waiting for {@code for} consecutive checkpoints; never notifies. */
    static final String PENDING = "pending";
    /** The condition held long enough; notified. */
    static final String FIRING = "firing";
    /** A firing alert whose condition stopped holding; notified once. */
    static final String RESOLVED = "resolved";
    /** A pending alert whose condition stopped holding before it fired; not notified. */
    static final String CLEARED = "cleared";

    Long id;
    final long ruleId;
    final String sliceKey;
    String state;
    int consecutive;
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
        return PENDING.equals(state) || FIRING.equals(state);
    }
}
