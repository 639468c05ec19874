package dev.driftwatch.monitor.alert;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Which runs of the project a rule watches; both null means every run.
 *
 * @param tag only runs carrying this tag, or null
 * @param run only the run with this key, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Scope(String tag, String run) {

    /** Every run of the project. */
    public static final Scope ALL = new Scope(null, null);
}
