package dev.driftwatch.monitor.alert.metrics;

import dev.driftwatch.monitor.alert.AlertTransitions;
import dev.driftwatch.monitor.ingest.CheckpointsStored;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Counts uploads, checkpoints and alert transitions once their transaction has committed (a
 * rolled-back one never counts); outside a transaction they count at once.
 */
@Component
class IngestCounting {

    private final AlertCounters counters;

    IngestCounting(AlertCounters counters) {
        this.counters = counters;
    }

    @TransactionalEventListener(fallbackExecution = true)
    void onCheckpointsStored(CheckpointsStored event) {
        counters.ingested(event.stored().size(), event.duplicates());
    }

    @TransactionalEventListener(fallbackExecution = true)
    void onAlertTransitions(AlertTransitions event) {
        event.entered().forEach(counters::transition);
    }
}
