package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.ingest.CheckpointData;
import dev.driftwatch.monitor.ingest.CheckpointsStored;
import dev.driftwatch.monitor.ingest.IngestListener;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Pushes new checkpoints to the open pages of their run as server-sent events. Fed by the ingest
 * seam, but only after the upload commits: a page never hears of a checkpoint it cannot read yet, and
 * a rolled-back upload is never announced. Runs last in the seam's order, since it only registers.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
class LiveUpdates implements IngestListener {

    /** An open page waits at most this long before the browser reconnects; keeps threads bounded. */
    private static final long TIMEOUT_MILLIS = 10 * 60_000L;

    private final Map<Long, Set<SseEmitter>> byRun = new ConcurrentHashMap<>();

    /**
     * What a page hears when checkpoints of its run were stored.
     *
     * @param runKey the run
     * @param steps the new steps, in upload order
     * @param lastStep the largest of them
     */
    record CheckpointsEvent(String runKey, List<Long> steps, long lastStep) {}

    /**
     * Opens an event stream for a run's page.
     *
     * @param runId the run
     * @return the emitter, registered until it completes, fails or times out
     */
    SseEmitter subscribe(long runId) {
        SseEmitter emitter = new SseEmitter(TIMEOUT_MILLIS);
        Set<SseEmitter> set = byRun.computeIfAbsent(runId, id -> ConcurrentHashMap.newKeySet());
        set.add(emitter);
        Runnable remove = () -> byRun.computeIfPresent(runId, (id, s) -> {
            s.remove(emitter);
            return s.isEmpty() ? null : s;
        });
        emitter.onCompletion(remove);
        emitter.onTimeout(() -> {
            remove.run();
            // completing here ends the stream quietly; the browser's EventSource reconnects by itself
            emitter.complete();
        });
        emitter.onError(e -> remove.run());
        try {
            // an immediate comment makes the browser's EventSource report "open" at once
            emitter.send(SseEmitter.event().comment("subscribed"));
        } catch (IOException e) {
            emitter.completeWithError(e);
        }
        return emitter;
    }

    /** @return the number of open streams, for tests and diagnostics */
    int openStreams() {
        return byRun.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public void onCheckpointsStored(CheckpointsStored stored) {
        if (!byRun.containsKey(stored.runId())) {
            return;
        }
        List<Long> steps = stored.stored().stream().map(CheckpointData::step).toList();
        long last = steps.stream().mapToLong(Long::longValue).max().orElse(-1);
        CheckpointsEvent event = new CheckpointsEvent(stored.runKey(), steps, last);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                publish(stored.runId(), event);
            }
        });
    }

    private void publish(long runId, CheckpointsEvent event) {
        Set<SseEmitter> emitters = byRun.get(runId);
        if (emitters == null) {
            return;
        }
        for (SseEmitter emitter : emitters) {
            try {
                emitter.send(SseEmitter.event().name("checkpoints").data(event, MediaType.APPLICATION_JSON));
            } catch (IOException | IllegalStateException e) {
                // the page went away; its completion callback unregisters it
                emitter.completeWithError(e);
            }
        }
    }
}
