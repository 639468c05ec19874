package dev.driftwatch.monitor.run;

import java.util.List;

/** The states of a run, as stored and sent on the wire. */
public final class RunStatus {

    /** Checkpoints may still arrive. */
    public static final String RUNNING = "running";
    /** The statuses a run end may carry. */
    public static final List<String> END_STATUSES = List.of("completed", "failed", "stopped");
    /** Every status. */
    public static final List<String> ALL = List.of(RUNNING, "completed", "failed", "stopped");

    private RunStatus() {}
}
