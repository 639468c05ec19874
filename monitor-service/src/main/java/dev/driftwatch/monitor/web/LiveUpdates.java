package dev.driftwatch.monitor.web;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.monitor.ingest.CheckpointsStored;
import dev.driftwatch.monitor.ingest.IngestListener;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
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
 *
 * <p>A heartbeat comment every {@code driftwatch.web.sse-heartbeat} (default 20 s) finds streams
 * whose browser went away and drops them. As a lifecycle bean in the highest phase it stops before
 * the web server's graceful shutdown, and completes every open stream then: otherwise each open page
 * would hold the shutdown for the whole {@code spring.lifecycle.timeout-per-shutdown-phase}.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
class LiveUpdates implements IngestListener, SmartLifecycle {

    /** An open page waits at most this long before the browser reconnects; keeps threads bounded. */
    private static final long TIMEOUT_MILLIS = 10 * 60_000L;

    private static final Logger log = LoggerFactory.getLogger(LiveUpdates.class);

    private final Map<Long, Set<SseEmitter>> byRun = new ConcurrentHashMap<>();
    private final Duration heartbeat;
    private volatile ScheduledExecutorService heartbeats;

    /**
     * Creates the registry.
     *
     * @param heartbeat how often open streams get a heartbeat comment
     */
    LiveUpdates(@Value("${driftwatch.web.sse-heartbeat:20s}") Duration heartbeat) {
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("driftwatch.web.sse-heartbeat must be positive, was " + heartbeat);
        }
        this.heartbeat = heartbeat;
    }

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
        if (heartbeats == null) {
            // stopping or stopped: the server is shutting down, so the page reconnects elsewhere
            completeAll();
        }
        return emitter;
    }

    @Override
    public void start() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sse-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long millis = heartbeat.toMillis();
        executor.scheduleWithFixedDelay(this::sendHeartbeats, millis, millis, TimeUnit.MILLISECONDS);
        heartbeats = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = heartbeats;
        heartbeats = null;
        if (executor != null) {
            executor.shutdownNow();
        }
        completeAll();
    }

    @Override
    public boolean isRunning() {
        return heartbeats != null;
    }

    /** The highest phase: stopped first, before the web server waits for open requests. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    private void completeAll() {
        int n = 0;
        for (Set<SseEmitter> emitters : byRun.values()) {
            for (SseEmitter emitter : emitters) {
                emitter.complete();
                n++;
            }
        }
        byRun.clear();
        if (n > 0) {
            log.info("Closed {} open event stream(s) for shutdown", n);
        }
    }

    private void sendHeartbeats() {
        for (Set<SseEmitter> emitters : byRun.values()) {
            for (SseEmitter emitter : emitters) {
                send(emitter, SseEmitter.event().comment("heartbeat"));
            }
        }
    }

    /** Sends an event; a failed send means the page went away, and its callbacks unregister it. */
    private static void send(SseEmitter emitter, SseEmitter.SseEventBuilder event) {
        try {
            emitter.send(event);
        } catch (IOException | IllegalStateException e) {
            emitter.completeWithError(e);
        }
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
        List<Long> steps = stored.stored().stream().map(CheckpointReport::step).toList();
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
            send(emitter, SseEmitter.event().name("checkpoints").data(event, MediaType.APPLICATION_JSON));
        }
    }
}
