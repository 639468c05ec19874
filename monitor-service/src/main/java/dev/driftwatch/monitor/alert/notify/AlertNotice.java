package dev.driftwatch.monitor.alert.notify;

import java.time.Instant;

/**
 * The facts of one alert notification, rendered into each channel's payload.
 *
 * @param alertId the alert episode's id
 * @param kind firing, repeat or resolved
 * @param ruleId the rule's id
 * @param ruleName the rule's name
 * @param severity {@code info}, {@code warning} or {@code critical}
 * @param project the project's key
 * @param run the run's key
 * @param slice the slice, or null when the alert is about the whole probe set
 * @param condition the condition in words, e.g. {@code kl_base_ft mean > 0.5 for 3 checkpoints}
 * @param summary what was observed, e.g. {@code kl_base_ft mean 0.62 > 0.5 at step 300}
 * @param value the observed value, or null
 * @param step the checkpoint step that caused this notification
 * @param startedAt when the episode started (pending or firing)
 * @param firedAt when it fired
 * @param resolvedAt when it resolved, or null
 */
public record AlertNotice(
        long alertId,
        NotificationKind kind,
        long ruleId,
        String ruleName,
        String severity,
        String project,
        String run,
        String slice,
        String condition,
        String summary,
        Double value,
        long step,
        Instant startedAt,
        Instant firedAt,
        Instant resolvedAt) {}
