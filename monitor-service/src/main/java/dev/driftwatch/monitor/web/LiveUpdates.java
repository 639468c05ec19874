package dev.driftwatch.monitor.web;

import com.zaxxer.hikari.HikariDataSource;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.monitor.ingest.CheckpointsStored;
import dev.driftwatch.monitor.ingest.IngestListener;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pushes new checkpoints to the open pages of their run as server-sent events, on every instance of
 * the service: the ingest seam sends a PostgreSQL {@code NOTIFY} inside the upload's transaction, and
 * every instance {@code LISTEN}s on its own connection (outside the pool) and pushes what it hears to
 * the pages connected to it. PostgreSQL delivers a notification only when its transaction commits,
 * so a page never hears of a checkpoint it cannot read yet, and a rolled-back upload is never
 * announced. Runs last in the seam's order. A lost listening connection is opened again with backoff
 * (pages miss what was announced in between, and catch up with the next upload).
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
    /** The PostgreSQL notification channel of stored checkpoints. */
    static final String CHANNEL = "driftwatch_checkpoints";
    /** PostgreSQL refuses payloads of 8000 bytes and more; a larger upload's steps are left out. */
    private static final int MAX_PAYLOAD = 7000;

    private static final Logger log = LoggerFactory.getLogger(LiveUpdates.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<Long, Set<SseEmitter>> byRun = new ConcurrentHashMap<>();
    private final Duration heartbeat;
    private final JdbcTemplate jdbc;
    private final DataSource dataSource;
    private volatile ScheduledExecutorService heartbeats;
    private volatile Thread listener;
    private volatile Connection listening;

    /**
     * Creates the registry.
     *
     * @param heartbeat how often open streams get a heartbeat comment
     * @param jdbc sends the notifications, in the upload's transaction
     * @param dataSource where the listening connection goes
     */
    LiveUpdates(@Value("${driftwatch.web.sse-heartbeat:20s}") Duration heartbeat, JdbcTemplate jdbc,
            DataSource dataSource) {
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("driftwatch.web.sse-heartbeat must be positive, was " + heartbeat);
        }
        this.heartbeat = heartbeat;
        this.jdbc = jdbc;
        this.dataSource = dataSource;
    }

    /**
     * What a page hears when checkpoints of its run were stored.
     *
     * @param runKey the run
     * @param count how many checkpoints were stored
     * @param steps the new steps, in upload order (empty when an upload had too many to announce)
     * @param lastStep the largest of them
     */
    record CheckpointsEvent(String runKey, int count, List<Long> steps, long lastStep) {}

    /** A notification's payload: the event and the run it is for. */
    record Announcement(long runId, CheckpointsEvent event) {}

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
        CountDownLatch firstListen = new CountDownLatch(1);
        Thread t = new Thread(() -> listen(firstListen), "live-updates-listener");
        t.setDaemon(true);
        listener = t;
        t.start();
        try {
            // so that a page opened once the service is up hears every upload from then on
            if (!firstListen.await(10, TimeUnit.SECONDS)) {
                log.warn("Live updates: not listening yet after 10 s; pages will hear uploads once it is");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = heartbeats;
        heartbeats = null;
        if (executor != null) {
            executor.shutdownNow();
        }
        Thread t = listener;
        listener = null;
        if (t != null) {
            t.interrupt();
            closeQuietly(listening); // unblocks a wait for notifications
        }
        completeAll();
    }

    /** The listening loop: LISTEN on a connection of its own, push what arrives, reconnect on loss. */
    private void listen(CountDownLatch firstListen) {
        long backoff = 100;
        while (listener == Thread.currentThread()) {
            try (Connection con = openListeningConnection()) {
                listening = con;
                try (Statement st = con.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                firstListen.countDown();
                backoff = 100;
                PGConnection pg = con.unwrap(PGConnection.class);
                while (listener == Thread.currentThread()) {
                    PGNotification[] arrived = pg.getNotifications((int) Math.min(heartbeat.toMillis(), 10_000));
                    if (arrived != null) {
                        for (PGNotification n : arrived) {
                            announce(n.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (listener != Thread.currentThread()) {
                    return; // stopping: the connection was closed under the wait
                }
                log.warn("Live updates: the listening connection failed ({}); reconnecting in {} ms", e.toString(),
                        backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            } finally {
                listening = null;
            }
        }
    }

    /**
     * A connection outside the pool (it is held for the service's lifetime, and LISTEN must stay on
     * one session); from the pool only when the data source is not one we can open connections like.
     */
    private Connection openListeningConnection() throws SQLException {
        if (dataSource.isWrapperFor(HikariDataSource.class)) {
            HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
            if (pool.getJdbcUrl() != null) {
                Properties props = new Properties();
                props.putAll(pool.getDataSourceProperties());
                if (pool.getUsername() != null) {
                    props.setProperty("user", pool.getUsername());
                }
                if (pool.getPassword() != null) {
                    props.setProperty("password", pool.getPassword());
                }
                props.setProperty("ApplicationName", "driftwatch live updates");
                return DriverManager.getConnection(pool.getJdbcUrl(), props);
            }
        }
        return dataSource.getConnection();
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing to stop; nothing to do
            }
        }
    }

    /** Pushes one notification's event to this instance's pages of its run. */
    private void announce(String payload) {
        Announcement a;
        try {
            a = JSON.readValue(payload, Announcement.class);
        } catch (RuntimeException e) {
            log.warn("Live updates: ignored a malformed notification: {}", e.toString());
            return;
        }
        Set<SseEmitter> emitters = byRun.get(a.runId());
        if (emitters == null) {
            return;
        }
        for (SseEmitter emitter : emitters) {
            send(emitter, SseEmitter.event().name("checkpoints").data(a.event(), MediaType.APPLICATION_JSON));
        }
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
        List<Long> steps = stored.stored().stream().map(CheckpointReport::step).toList();
        long last = steps.stream().mapToLong(Long::longValue).max().orElse(-1);
        String payload = JSON.writeValueAsString(
                new Announcement(stored.runId(), new CheckpointsEvent(stored.runKey(), steps.size(), steps, last)));
        if (payload.length() > MAX_PAYLOAD) {
            payload = JSON.writeValueAsString(
                    new Announcement(stored.runId(), new CheckpointsEvent(stored.runKey(), steps.size(), List.of(), last)));
        }
        // delivered to every listening instance when (and only if) the upload's transaction commits
        jdbc.queryForObject("SELECT pg_notify(?, ?)", Object.class, CHANNEL, payload);
    }
}
