package dev.driftwatch.monitor.alert;

import java.time.Instant;

/**
 * One alert episode as the API and the UI show it.
 *
 * @param id the episode's id
 * @param ruleId the rule's id
 * @param ruleName the rule's name
 * @param severity the rule's severity
 * @param run the run's key
 * @param slice the slice, or null when the rule is not per slice
 * @param state {@code pending}, {@code firing}, {@code resolved} or {@code cleared}
 * @param consecutive checkpoints in a row the condition held
 * @param startedStep the step where the condition started to hold
 * @param lastStep the last evaluated step
 * @param lastValue the last observed value, or null
 * @param summary the last observation in words
 * @param startedAt when the episode started
 * @param firedAt when it fired, or null
 * @param endedAt when it resolved or cleared, or null
 * @param notifications its notifications: one per channel for each of its events (firing, repeats,
 *     resolved), whatever their delivery status; the ones {@link AlertDetail#notifications()} lists
 * @param delivered how many of those were delivered
 */
public record AlertView(
        long id,
        long ruleId,
        String ruleName,
        String severity,
        String run,
        String slice,
        String state,
        int consecutive,
        long startedStep,
        long lastStep,
        Double lastValue,
        String summary,
        Instant startedAt,
        Instant firedAt,
        Instant endedAt,
        int notifications,
        int delivered) {}
