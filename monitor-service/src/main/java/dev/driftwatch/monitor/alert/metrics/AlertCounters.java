package dev.driftwatch.monitor.alert.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * The service's own counters on the Prometheus endpoint:
 *
 * <ul>
 *   <li>{@code driftwatch_ingest_checkpoints_total{outcome="stored"|"duplicate"}}
 *   <li>{@code driftwatch_ingest_uploads_total}
 *   <li>{@code driftwatch_alert_transitions_total{state="pending"|"firing"|"resolved"|"cleared"}}
 * </ul>
 *
 * <p>{@code driftwatch_notifications_total{channel, outcome="delivered"|"retry"|"failed"}} is counted by
 * {@code alert.notify.NotificationDispatcher}.
 */
@Component
public class AlertCounters {

    private final MeterRegistry registry;

    AlertCounters(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Counts a committed upload.
     *
     * @param stored checkpoints newly stored
     * @param duplicates checkpoints already stored
     */
    public void ingested(int stored, int duplicates) {
        registry.counter("driftwatch.ingest.uploads").increment();
        checkpoints("stored").increment(stored);
        checkpoints("duplicate").increment(duplicates);
    }

    /**
     * Counts a committed alert state change.
     *
     * @param state the state entered
     */
    public void transition(String state) {
        Counter.builder("driftwatch.alert.transitions").description("Alert state changes").tag("state", state)
                .register(registry).increment();
    }

    private Counter checkpoints(String outcome) {
        return Counter.builder("driftwatch.ingest.checkpoints").description("Checkpoints received")
                .tag("outcome", outcome).register(registry);
    }
}
