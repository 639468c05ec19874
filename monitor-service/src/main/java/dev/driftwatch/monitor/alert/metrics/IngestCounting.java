package dev.driftwatch.monitor.alert.metrics;

import dev.driftwatch.monitor.ingest.CheckpointsStored;
import dev.driftwatch.monitor.ingest.IngestListener;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** Counts uploads and checkpoints once their transaction has committed (a rolled-back one never counts). */
@Component
@Order(1000)
class IngestCounting implements IngestListener {

    private final AlertCounters counters;

    IngestCounting(AlertCounters counters) {
        this.counters = counters;
    }

    @Override
    public void onCheckpointsStored(CheckpointsStored event) {
        int stored = event.stored().size();
        int duplicates = event.duplicates();
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            counters.ingested(stored, duplicates);
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                counters.ingested(stored, duplicates);
            }
        });
    }
}
