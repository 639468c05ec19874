package dev.driftwatch.monitor.alert;

import java.util.Arrays;

/** The states of an alert episode (Prometheus / Grafana semantics), as stored and shown. */
public enum AlertStatus {

    /** Waiting for {@code for} consecutive checkpoints; never notifies. */
    PENDING("pending"),
    /** The condition held long enough; notified. */
    FIRING("firing"),
    /** A firing alert whose condition stopped holding; notified once. */
    RESOLVED("resolved"),
    /** A pending alert whose condition stopped holding before it fired; not notified. */
    CLEARED("cleared");

    private final String wireName;

    AlertStatus(String wireName) {
        this.wireName = wireName;
    }

    /** @return the name in the database, the API and the metrics, e.g. {@code firing} */
    public String wireName() {
        return wireName;
    }

    /** @return true while pending or firing */
    public boolean isOpen() {
        return this == PENDING || this == FIRING;
    }

    /**
     * Reads a stored name.
     *
     * @param wireName e.g. {@code firing}
     * @return the state
     * @throws IllegalArgumentException for an unknown name
     */
    public static AlertStatus fromWire(String wireName) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(wireName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown alert state " + wireName));
    }
}
