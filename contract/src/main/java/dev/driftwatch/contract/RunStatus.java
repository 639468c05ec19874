package dev.driftwatch.contract;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The states of a run: running until a {@link RunEnd} says how it ended. */
public enum RunStatus implements WireNamed {

    /** Checkpoints may still arrive. */
    RUNNING("running"),
    /** Training finished normally. */
    COMPLETED("completed"),
    /** Training failed. */
    FAILED("failed"),
    /** Training was stopped on purpose (e.g. by the drift guardrail). */
    STOPPED("stopped");

    private final String wireName;

    RunStatus(String wireName) {
        this.wireName = wireName;
    }

    /** @return the name on the wire and in the database, e.g. {@code completed} */
    public String wireName() {
        return wireName;
    }

    /** @return true for the statuses a run end may carry (all but running) */
    public boolean isEnd() {
        return this != RUNNING;
    }

    /**
     * Looks a status up by its wire name.
     *
     * @param wireName e.g. {@code stopped}
     * @return the status, or empty
     */
    public static Optional<RunStatus> byName(String wireName) {
        return WireNamed.byName(RunStatus.class, wireName);
    }

    /** @return the wire names a run end may carry: completed, failed, stopped */
    public static List<String> endWireNames() {
        return Arrays.stream(values()).filter(RunStatus::isEnd).map(RunStatus::wireName).toList();
    }
}
