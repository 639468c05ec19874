package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.alert.notify.NotificationKind;
import java.time.Duration;
import java.time.Instant;

/**
 * The alert state machine (Prometheus / Grafana semantics), pure so it can be tested alone. Per
 * instance and checkpoint: while the condition holds, a new episode starts pending, and turns firing
 * once it has held for {@code for} consecutive checkpoints (at once when {@code for} is 1); a firing
 * episode notifies again after the repeat interval. When the condition stops holding, a pending
 * episode is cleared silently; a firing one is resolved (notified once) once the condition has not held
 * for {@code keepFiringFor} consecutive checkpoints (at once when it is 1), and a checkpoint where it
 * holds again in between starts that count afresh.
 */
final class AlertStateMachine {

    private AlertStateMachine() {}

    /**
     * The result of one step.
     *
     * @param state the state entered, or null when the state did not change
     * @param notification the notification kind to send (firing, repeat, resolved), or null
     * @param newEpisode true when a new episode was started (the state object was reset)
     */
    record Change(AlertStatus state, NotificationKind notification, boolean newEpisode) {

        static final Change NONE = new Change(null, null, false);
    }

    /**
     * Applies one observation to an instance's latest episode, updating it in place.
     *
     * @param s the latest episode (may be closed, or new with a null state)
     * @param holds whether the condition holds at this checkpoint
     * @param step the checkpoint's step
     * @param value the observed value
     * @param summary the observation in words
     * @param forCount the rule's {@code for}
     * @param keepFiringFor the rule's {@code keepFiringFor}
     * @param repeat the rule's repeat interval (zero: never)
     * @param now the current time
     * @return what changed
     */
    static Change apply(AlertState s, boolean holds, long step, Double value, String summary, int forCount,
            int keepFiringFor, Duration repeat, Instant now) {
        return apply(s, holds, step, value, () -> summary, forCount, keepFiringFor, repeat, now);
    }

    /**
     * {@link #apply(AlertState, boolean, long, Double, String, int, int, Duration, Instant)} with the observation's
     * words written only if they are read.
     *
     * @param s the episode, updated in place
     * @param holds whether the condition holds at this checkpoint
     * @param step the checkpoint's step
     * @param value the observed value (may be null)
     * @param words the observation in words, when asked for
     * @param forCount the rule's {@code for}
     * @param keepFiringFor the rule's {@code keepFiringFor}
     * @param repeat the rule's repeat interval (zero: never)
     * @param now the current time
     * @return what changed
     */
    static Change apply(AlertState s, boolean holds, long step, Double value, java.util.function.Supplier<String> words,
            int forCount, int keepFiringFor, Duration repeat, Instant now) {
        if (!s.open()) {
            if (!holds) {
                return Change.NONE;
            }
            s.id = null;
            s.consecutive = 1;
            s.clearStreak = 0;
            s.startedStep = step;
            s.startedAt = now;
            s.firedAt = null;
            s.endedAt = null;
            s.lastNotifiedAt = null;
            s.notifications = 0;
            observe(s, step, value, words);
            if (forCount <= 1) {
                fire(s, now);
                return new Change(AlertStatus.FIRING, NotificationKind.FIRING, true);
            }
            s.state = AlertStatus.PENDING;
            return new Change(AlertStatus.PENDING, null, true);
        }
        observe(s, step, value, words);
        if (holds) {
            s.clearStreak = 0;
            s.consecutive++;
            if (s.state == AlertStatus.PENDING) {
                if (s.consecutive >= forCount) {
                    fire(s, now);
                    return new Change(AlertStatus.FIRING, NotificationKind.FIRING, false);
                }
                return Change.NONE;
            }
            // (the time since, not lastNotifiedAt + repeat: an interval beyond Instant's range, as a rule stored
            // before the interval was bounded may hold, would throw there and fail every upload of the runs
            // the rule watches)
            if (!repeat.isZero() && s.lastNotifiedAt != null
                    && Duration.between(s.lastNotifiedAt, now).compareTo(repeat) >= 0) {
                s.lastNotifiedAt = now;
                s.notifications++;
                return new Change(null, NotificationKind.REPEAT, false);
            }
            return Change.NONE;
        }
        if (s.state == AlertStatus.FIRING && ++s.clearStreak < keepFiringFor) {
            return Change.NONE; // still firing until the condition has stayed away long enough
        }
        s.endedAt = now;
        if (s.state == AlertStatus.PENDING) {
            s.state = AlertStatus.CLEARED;
            return new Change(AlertStatus.CLEARED, null, false);
        }
        s.state = AlertStatus.RESOLVED;
        s.lastNotifiedAt = now;
        s.notifications++;
        return new Change(AlertStatus.RESOLVED, NotificationKind.RESOLVED, false);
    }

    private static void fire(AlertState s, Instant now) {
        s.state = AlertStatus.FIRING;
        s.firedAt = now;
        s.lastNotifiedAt = now;
        s.notifications++;
    }

    private static void observe(AlertState s, long step, Double value, java.util.function.Supplier<String> words) {
        s.lastStep = step;
        s.lastValue = value;
        s.summary = null;
        s.words = words;
    }
}
