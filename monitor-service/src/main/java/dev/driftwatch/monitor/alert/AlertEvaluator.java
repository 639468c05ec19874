package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.monitor.alert.metrics.AlertCounters;
import dev.driftwatch.monitor.alert.notify.AlertNotice;
import dev.driftwatch.monitor.alert.notify.NotificationKind;
import dev.driftwatch.monitor.alert.notify.NotificationOutbox;
import dev.driftwatch.monitor.ingest.CheckpointsStored;
import dev.driftwatch.monitor.ingest.IngestListener;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Evaluates the rules in scope of a run on every upload, inside the ingest transaction: the new
 * checkpoints in step order, each through {@link ConditionEvaluator} and {@link AlertStateMachine};
 * alert changes and their notifications (the outbox) commit or roll back with the upload. A
 * checkpoint at or before an instance's last recorded step (a late, out-of-order upload) does not
 * move that instance's state. An episode whose state did not change is written once per upload.
 */
@Component
@Order(100)
@EnableConfigurationProperties(AlertsProperties.class)
class AlertEvaluator implements IngestListener {

    private final RuleStore rules;
    private final AlertStore alerts;
    private final NotificationOutbox outbox;
    private final AlertCounters counters;
    private final Clock clock;

    AlertEvaluator(RuleStore rules, AlertStore alerts, NotificationOutbox outbox, AlertCounters counters,
            ObjectProvider<Clock> clock) {
        this.rules = rules;
        this.alerts = alerts;
        this.outbox = outbox;
        this.counters = counters;
        this.clock = clock.getIfAvailable(Clock::systemUTC);
    }

    @Override
    public void onCheckpointsStored(CheckpointsStored event) {
        List<AlertRule> active = rules.activeFor(event.projectId(), event.runId());
        if (active.isEmpty()) {
            return;
        }
        Map<String, AlertState> states = alerts.latest(event.runId());
        ConditionEvaluator.RunFlags flags = alerts.flags(event.runId());
        List<CheckpointReport> ordered = event.stored().stream()
                .sorted(Comparator.comparingLong(CheckpointReport::step)).toList();
        long newest = ordered.get(ordered.size() - 1).step();
        Instant now = clock.instant();
        List<String> entered = new ArrayList<>();
        Set<AlertState> dirty = new LinkedHashSet<>();
        for (CheckpointReport checkpoint : ordered) {
            MetricSource source = MetricSource.of(checkpoint);
            for (AlertRule rule : active) {
                List<ConditionEvaluator.Observation> seen = ConditionEvaluator.observe(rule.condition(), source,
                        n -> alerts.lookBack(event.runId(), checkpoint.step(), n),
                        checkpoint.step() == newest ? flags : null);
                for (ConditionEvaluator.Observation o : seen) {
                    AlertState s = states.computeIfAbsent(AlertStore.key(rule.id(), o.sliceKey()),
                            k -> new AlertState(rule.id(), o.sliceKey()));
                    if (s.state != null && checkpoint.step() <= s.lastStep) {
                        continue;
                    }
                    boolean wasOpen = s.open();
                    AlertStateMachine.Change change = AlertStateMachine.apply(s, o.holds(), checkpoint.step(),
                            o.value(), o.summary(), rule.forCheckpoints(), rule.repeat(), now);
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
     * Ends a rule's open alerts because the rule changed or was deleted: firing ones resolve (and
     * notify once), pending ones clear. Runs in the caller's transaction.
     *
     * @param rule the rule as it was
     * @param note why, recorded with the transition
     */
    void endOpenAlerts(AlertRule rule, String note) {
        Instant now = clock.instant();
        List<String> entered = new ArrayList<>();
        for (AlertStore.OpenAlert open : alerts.open(rule.id())) {
            AlertState s = open.state();
            AlertStateMachine.Change change = AlertStateMachine.apply(s, false, s.lastStep, s.lastValue,
                    s.summary + " (" + note + ")", rule.forCheckpoints(), rule.repeat(), now);
            alerts.save(open.runId(), s, change, note);
            entered.add(change.state().wireName());
            if (change.notification() != null) {
                outbox.enqueue(notice(rule, open.runKey(), s, change.notification()), s.notifications, rule.channels());
            }
        }
        countAfterCommit(entered);
    }

    private static AlertNotice notice(AlertRule rule, String runKey, AlertState s, NotificationKind kind) {
        return new AlertNotice(s.id, kind, rule.id(), rule.name(), rule.severity(), rule.project(), runKey,
                s.sliceKey.isEmpty() ? null : s.sliceKey, ConditionEvaluator.describe(rule.condition(),
                        rule.forCheckpoints()), s.summary, s.lastValue, s.lastStep, s.startedAt, s.firedAt,
                s.state == AlertStatus.RESOLVED ? s.endedAt : null);
    }

    private void countAfterCommit(List<String> entered) {
        if (entered.isEmpty()) {
            return;
        }
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            entered.forEach(counters::transition);
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                entered.forEach(counters::transition);
            }
        });
    }
}
