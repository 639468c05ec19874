package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.monitor.alert.notify.AlertNotice;
import dev.driftwatch.monitor.alert.notify.NotificationKind;
import dev.driftwatch.monitor.alert.notify.NotificationOutbox;
import dev.driftwatch.monitor.ingest.CheckpointsStored;
import dev.driftwatch.monitor.ingest.IngestListener;
import dev.driftwatch.monitor.ingest.RunEnded;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Evaluates the rules in scope of a run on every upload, inside the ingest transaction: the new
 * checkpoints in step order, each through {@link ConditionEvaluator} and {@link AlertStateMachine};
 * alert changes and their notifications (the outbox) commit or roll back with the upload. A
 * checkpoint at or before an instance's last recorded step (a late, out-of-order upload) does not
 * move that instance's state. An episode whose state did not change is written once per upload.
 *
 * <p>Rules watch running runs only. When a run ends, its open alerts end with it (firing ones resolve
 * and notify once, pending ones clear; the transition's note says the run ended), and checkpoints of
 * an ended run uploaded later (a late replay) are not evaluated.
 */
@Component
@Order(100)
class AlertEvaluator implements IngestListener {

    private static final Logger logger = LoggerFactory.getLogger(AlertEvaluator.class);

    private final RuleStore rules;
    private final AlertStore alerts;
    private final NotificationOutbox outbox;
    private final ApplicationEventPublisher events;
    private final DriftForecasts forecasts;
    private final Clock clock;

    AlertEvaluator(RuleStore rules, AlertStore alerts, NotificationOutbox outbox, ApplicationEventPublisher events,
            DriftForecasts forecasts, ObjectProvider<Clock> clock) {
        this.rules = rules;
        this.alerts = alerts;
        this.outbox = outbox;
        this.events = events;
        this.forecasts = forecasts;
        this.clock = clock.getIfAvailable(Clock::systemUTC);
    }

    @Override
    public void onCheckpointsStored(CheckpointsStored event) {
        RuleStore.Rows found = rules.activeFor(event.projectId(), event.runId());
        List<AlertRule> active = found.rules();
        if (active.isEmpty() && found.unreadable().isEmpty() || alerts.runEnded(event.runId())) {
            return;
        }
        Map<String, AlertState> states = alerts.latest(event.runId());
        ConditionEvaluator.RunFlags flags = alerts.flags(event.runId());
        DriftForecasts.RunForecasts forecast = forecasts.of(event.runId()); // read on first use only
        List<CheckpointReport> ordered = event.stored().stream()
                .sorted(Comparator.comparingLong(CheckpointReport::step)).toList();
        long newest = ordered.get(ordered.size() - 1).step();
        Instant now = clock.instant();
        for (UnreadableRule u : found.unreadable()) {
            logger.error("driftwatch: alert rule {} cannot be read and was not evaluated: {}", u.id(), u.reason());
            notEvaluated(u.id(), event.runId(), newest, "the rule cannot be read (" + u.reason()
                    + "); replace or delete it (the rules page lists it)", now);
        }
        List<String> entered = new ArrayList<>();
        Set<AlertState> dirty = new LinkedHashSet<>();
        for (CheckpointReport checkpoint : ordered) {
            MetricSource source = MetricSource.of(checkpoint);
            RunContext run = new RunContext(lookBack(event.runId(), checkpoint.step()),
                    checkpoint.step() == newest ? flags : null, forecast);
            for (AlertRule rule : active) {
                List<ConditionEvaluator.Observation> seen;
                try {
                    seen = ConditionEvaluator.observe(rule.condition(), source, run);
                } catch (DataAccessException e) {
                    throw e; // the database's trouble is the upload's (its transaction may be aborted): retried
                } catch (RuntimeException e) {
                    // a rule whose evaluation fails (a bug) costs neither the upload its checkpoints nor the
                    // other rules their turn; it says so where its status shows
                    logger.error("driftwatch: alert rule {} failed to evaluate at step {}", rule.id(),
                            checkpoint.step(), e);
                    if (checkpoint.step() == newest) {
                        notEvaluated(rule.id(), event.runId(), newest, "evaluating the rule failed (" + e
                                + "); the service log has the trace", now);
                    }
                    continue;
                }
                if (checkpoint.step() == newest) {
                    recordStatus(rule, event.runId(), newest, seen, now);
                }
                for (ConditionEvaluator.Observation o : seen) {
                    AlertState s = states.computeIfAbsent(AlertStore.key(rule.id(), o.sliceKey()),
                            k -> new AlertState(rule.id(), o.sliceKey()));
                    if (s.state != null && checkpoint.step() <= s.lastStep) {
                        continue;
                    }
                    boolean wasOpen = s.open();
                    AlertStateMachine.Change change = AlertStateMachine.apply(s, o.holds(), checkpoint.step(),
                            o.value(), o.words(), rule.forCheckpoints(), rule.keepFiringFor(), rule.repeat(), now);
                    if (!wasOpen && change.state() == null) {
                        continue; // nothing open, nothing started: no row to touch
                    }
                    if (change.state() == null && change.notification() == null) {
                        dirty.add(s); // only counters moved: one write at the end of the upload
                        continue;
                    }
                    alerts.save(event.runId(), s, change, null);
                    dirty.remove(s);
                    if (change.state() != null) {
                        entered.add(change.state().wireName());
                    }
                    if (change.notification() != null) {
                        outbox.enqueue(notice(rule, event.runKey(), s, change.notification()), s.notifications,
                                rule.channels());
                    }
                }
            }
        }
        for (AlertState s : dirty) {
            alerts.save(event.runId(), s, AlertStateMachine.Change.NONE, null);
        }
        countAfterCommit(entered);
    }

    /**
     * The earlier checkpoints of a run as a checkpoint's rate rules ask for them, each read once: every rate
     * rule with the same window asks for the same one, and a read parses the checkpoint's metrics of every
     * slice (before, 50 rate rules over an upload of 64 checkpoints were 3,200 reads; now 64).
     *
     * @param runId the run
     * @param step the checkpoint the rules evaluate
     * @return {@code n} to the valid checkpoint {@code n} before it, or null
     */
    private IntFunction<MetricSource> lookBack(long runId, long step) {
        return readOnce(n -> alerts.lookBack(runId, step, n));
    }

    /**
     * A function that calls {@code read} once per argument and answers from what it returned after (null too).
     *
     * @param read the function
     * @return the same answers, each read once
     */
    static <T> IntFunction<T> readOnce(IntFunction<T> read) {
        Map<Integer, T> answers = new HashMap<>();
        return n -> {
            if (!answers.containsKey(n)) {
                answers.put(n, read.apply(n)); // (null too: a run shorter than the window)
            }
            return answers.get(n);
        };
    }

    /**
     * Keeps what the rule saw at the upload's newest checkpoint, for the run page's "why (not) firing":
     * of a rule per slice, the slice that holds with the largest value, else the first slice seen (the
     * summaries name their slice).
     */
    private void recordStatus(AlertRule rule, long runId, long step, List<ConditionEvaluator.Observation> seen,
            Instant now) {
        ConditionEvaluator.Observation shown = seen.stream().filter(ConditionEvaluator.Observation::holds)
                .max(Comparator.comparingDouble(o -> o.value() == null ? Double.NEGATIVE_INFINITY : o.value()))
                .orElse(seen.isEmpty() ? null : seen.get(0));
        if (shown == null) {
            notEvaluated(rule.id(), runId, step,
                    "the checkpoint does not report what the rule watches (invalid, or the metric is missing)", now);
            return;
        }
        alerts.saveStatus(rule.id(), runId, step, shown.holds(), shown.value(), shown.summary(), now);
    }

    /** A rule's status on a run when it was not evaluated at a step: why, for the run page. */
    private void notEvaluated(long ruleId, long runId, long step, String why, Instant now) {
        alerts.saveStatus(ruleId, runId, step, false, null, "not evaluated at step " + step + ": " + why, now);
    }

    /**
     * Ends the open alerts of a run that ended: firing ones resolve (and notify once), pending ones
     * clear, with the note {@code run ended (<status>)}. They leave the firing gauge with it.
     *
     * @param event the run and how it ended
     */
    @Override
    public void onRunEnded(RunEnded event) {
        List<AlertState> open = alerts.openOfRun(event.runId());
        if (open.isEmpty()) {
            return;
        }
        Map<Long, Optional<AlertRule>> byId = new java.util.HashMap<>();
        String note = "run ended (" + event.status() + ")";
        Instant now = clock.instant();
        List<String> entered = new ArrayList<>();
        for (AlertState s : open) {
            AlertRule rule = byId.computeIfAbsent(s.ruleId, rules::findAnyReadable).orElse(null);
            end(rule, event.runId(), event.runKey(), s, note, now, entered);
        }
        countAfterCommit(entered);
    }

    /**
     * Ends a rule's open alerts because the rule changed or was deleted: firing ones resolve (and
     * notify once), pending ones clear; what it last saw on each run is forgotten. Runs in the caller's
     * transaction. Alerts of ended runs were ended with their runs, so this touches live runs only.
     *
     * @param ruleId the rule, locked by the caller
     * @param rule the rule as it was, or null when this version cannot read it (an older version's): its
     *     episodes then end without a notification, since where to send one is part of what cannot be read
     * @param note why, recorded with the transition
     */
    void endOpenAlerts(long ruleId, AlertRule rule, String note) {
        alerts.clearStatus(ruleId); // what the rule as it was saw no longer explains the rule as it is
        Instant now = clock.instant();
        List<String> entered = new ArrayList<>();
        for (AlertStore.OpenAlert open : alerts.open(ruleId)) {
            end(rule, open.runId(), open.runKey(), open.state(), note, now, entered);
        }
        countAfterCommit(entered);
    }

    /**
     * One open episode ends: the state machine's "condition no longer holds" step, saved and notified
     * (not notified when {@code rule} is null: a rule this version cannot read).
     */
    private void end(AlertRule rule, long runId, String runKey, AlertState s, String note, Instant now,
            List<String> entered) {
        if (rule == null) {
            note += "; not notified: the rule cannot be read";
        }
        int notifications = s.notifications;
        Instant lastNotified = s.lastNotifiedAt;
        AlertStateMachine.Change change = AlertStateMachine.apply(s, false, s.lastStep, s.lastValue,
                s.summary() + " (" + note + ")", rule == null ? 1 : rule.forCheckpoints(), 1,
                rule == null ? Duration.ZERO : rule.repeat(), now); // (ends at once)
        if (rule == null) {
            s.notifications = notifications; // (the machine counts the notice it asks for; none is sent)
            s.lastNotifiedAt = lastNotified;
        }
        alerts.save(runId, s, change, note);
        entered.add(change.state().wireName());
        if (rule != null && change.notification() != null) {
            outbox.enqueue(notice(rule, runKey, s, change.notification()), s.notifications, rule.channels());
        }
    }

    private static AlertNotice notice(AlertRule rule, String runKey, AlertState s, NotificationKind kind) {
        return new AlertNotice(s.id, kind, rule.id(), rule.name(), rule.severity(), rule.project(), runKey,
                s.sliceKey.isEmpty() ? null : s.sliceKey, ConditionEvaluator.describe(rule.condition(),
                        rule.forCheckpoints()), s.summary(), s.lastValue, s.lastStep, s.startedAt, s.firedAt,
                s.state == AlertStatus.RESOLVED ? s.endedAt : null);
    }

    /** Counted after the commit ({@code @TransactionalEventListener}): a rolled-back upload never counts. */
    private void countAfterCommit(List<String> entered) {
        if (!entered.isEmpty()) {
            events.publishEvent(new AlertTransitions(List.copyOf(entered)));
        }
    }
}
