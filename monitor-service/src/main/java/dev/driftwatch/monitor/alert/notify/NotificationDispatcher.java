package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.AlertsProperties;
import dev.driftwatch.monitor.alert.metrics.AlertCounters;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Delivers the outbox. Every poll claims due notifications with {@code FOR UPDATE SKIP LOCKED},
 * delivers them while holding the row locks and records the outcome in the same transaction: another
 * instance polling the same database skips locked rows and, once this transaction commits, no longer
 * sees delivered ones, so each notification is delivered once. Every attempt is written to the
 * delivery log ({@code notification_attempt}). Transient failures are retried with capped
 * exponential backoff up to {@link AlertsProperties#maxAttempts()}; permanent ones are recorded as
 * failed at once.
 *
 * <p>Only a crash between the receiver's answer and the commit can repeat a delivery; receivers
 * de-duplicate on {@code X-Driftwatch-Delivery} for that case.
 */
@Component
public class NotificationDispatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final ChannelSender sender;
    private final AlertsProperties properties;
    private final AlertCounters counters;
    private final String instance;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private volatile ScheduledExecutorService executor;

    NotificationDispatcher(JdbcTemplate jdbc, PlatformTransactionManager transactions, ChannelSender sender,
            AlertsProperties properties, AlertCounters counters) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.sender = sender;
        this.properties = properties;
        this.counters = counters;
        this.instance = properties.instanceName() != null && !properties.instanceName().isBlank()
                ? properties.instanceName() : defaultInstanceName();
    }

    /** One claimed row of the outbox. */
    private record Due(long id, UUID deliveryId, String kind, String channelType, String url, String payload,
            int attempts) {}

    /** Asks the dispatcher to poll now (after a commit that wrote notifications); cheap and coalesced. */
    public void wakeUp() {
        ScheduledExecutorService e = executor;
        if (e != null && wakePending.compareAndSet(false, true)) {
            try {
                e.execute(() -> {
                    wakePending.set(false);
                    drain();
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                wakePending.set(false);
            }
        }
    }

    /**
     * Delivers every due notification now, on the calling thread.
     *
     * @return notifications attempted
     */
    public int drain() {
        int total = 0;
        try {
            int n;
            do {
                n = tx.execute(s -> deliverBatch());
                total += n;
            } while (n == properties.batchSize());
        } catch (RuntimeException e) {
            // the database may be briefly unreachable; the next poll tries again
            log.warn("Notification dispatch failed: {}", e.toString());
        }
        return total;
    }

    private int deliverBatch() {
        List<Due> due = jdbc.query("""
                SELECT id, delivery_id, kind, channel_type, channel_url, payload, attempts FROM notification
                WHERE status = 'pending' AND next_attempt_at <= now()
                ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED
                """, (rs, i) -> new Due(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7)),
                properties.batchSize());
        for (Due d : due) {
            deliver(d);
        }
        return due.size();
    }

    private void deliver(Due d) {
        int attempt = d.attempts() + 1;
        long start = System.nanoTime();
        ChannelSender.Outcome outcome = sender.send(d.channelType(), d.url(), d.deliveryId(), d.kind(), d.payload());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        ChannelSender.Verdict verdict = outcome.verdict() == ChannelSender.Verdict.RETRY && attempt >= properties.maxAttempts()
                ? ChannelSender.Verdict.FAILED : outcome.verdict();
        jdbc.update("""
                INSERT INTO notification_attempt (notification_id, attempt, instance, outcome, http_status, error, duration_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, d.id(), attempt, instance, verdict.name().toLowerCase(Locale.ROOT), outcome.httpStatus(),
                outcome.error(), millis);
        switch (verdict) {
            case DELIVERED -> jdbc.update("UPDATE notification SET status = 'delivered', attempts = ?, delivered_at = now(),"
                    + " last_error = NULL WHERE id = ?", attempt, d.id());
            case RETRY -> jdbc.update("UPDATE notification SET attempts = ?, last_error = ?,"
                    + " next_attempt_at = clock_timestamp() + ? * interval '1 millisecond' WHERE id = ?",
                    attempt, outcome.error(), backoff(attempt).toMillis(), d.id());
            case FAILED -> {
                jdbc.update("UPDATE notification SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?",
                        attempt, outcome.error(), d.id());
                log.warn("Notification {} to {} {} failed for good after {} attempt(s): {}", d.deliveryId(),
                        d.channelType(), d.url(), attempt, outcome.error());
            }
        }
        counters.delivery(d.channelType(), verdict.name().toLowerCase(Locale.ROOT));
    }

    /**
     * The wait after a failed attempt: the initial backoff doubled per attempt, capped.
     *
     * @param attempt the attempt that failed, from 1
     * @return the wait
     */
    Duration backoff(int attempt) {
        long initial = properties.initialBackoff().toMillis();
        long capped = properties.maxBackoff().toMillis();
        long wait = attempt >= 31 ? capped : initial << (attempt - 1);
        return Duration.ofMillis(Math.min(Math.max(wait, 0), capped));
    }

    @Override
    public void start() {
        if (!properties.dispatcherEnabled() || executor != null) {
            return;
        }
        ScheduledExecutorService e = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "alert-dispatcher");
            t.setDaemon(true);
            return t;
        });
        long interval = Math.max(1, properties.dispatchInterval().toMillis());
        e.scheduleWithFixedDelay(this::drain, interval, interval, TimeUnit.MILLISECONDS);
        executor = e;
        log.info("Alert notification dispatcher '{}' polling every {} ms", instance, interval);
    }

    @Override
    public void stop() {
        ScheduledExecutorService e = executor;
        executor = null;
        if (e == null) {
            return;
        }
        e.shutdown();
        try {
            if (!e.awaitTermination(properties.requestTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS)) {
                e.shutdownNow();
            }
        } catch (InterruptedException ie) {
            e.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return executor != null;
    }

    /** @return this instance's name in the delivery log */
    public String instanceName() {
        return instance;
    }

    private static String defaultInstanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown-host";
        }
        // the random part tells apart two instances in one JVM (the tests run two)
        return host + ":" + ManagementFactory.getRuntimeMXBean().getPid() + ":"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
