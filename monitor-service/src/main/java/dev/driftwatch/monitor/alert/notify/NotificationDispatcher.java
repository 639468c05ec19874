package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.AlertsProperties;
import dev.driftwatch.monitor.alert.metrics.AlertCounters;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
 * Delivers the outbox in three steps, none of which holds a lock or a pooled connection while a
 * receiver answers:
 *
 * <ol>
 *   <li><b>claim</b>: one short statement takes due notifications ({@code FOR UPDATE SKIP LOCKED} for
 *       the statement only), counts the attempt, stamps them with this claim's token and moves
 *       {@code next_attempt_at} to the end of a lease ({@link AlertsProperties#lease()}); other
 *       instances see them as not due until then;
 *   <li><b>send</b>, with no transaction open, after renewing the lease of that one notification (a
 *       claim that has expired and been taken over by another instance is skipped);
 *   <li><b>record</b> the attempt in the delivery log ({@code notification_attempt}) and the outcome
 *       in one short transaction, only while the claim still stands.
 * </ol>
 *
 * <p>So several instances on one database deliver each notification once, and an instance that dies
 * after its claim leaves the notification due again when the lease ends, for another instance to
 * send with the same delivery id. That makes delivery at-least-once: a receiver de-duplicates on the
 * {@code Idempotency-Key} (= {@code X-Driftwatch-Delivery}) header, and then sees it exactly once.
 * Transient failures are retried with capped exponential backoff up to
 * {@link AlertsProperties#maxAttempts()}; permanent ones are recorded as failed at once.
 */
@Component
public class NotificationDispatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);

    private static final String CLAIM = """
            UPDATE notification n SET claimed_by = ?, claim_token = ?, attempts = n.attempts + 1,
                next_attempt_at = clock_timestamp() + ? * interval '1 millisecond'
            FROM (SELECT id FROM notification WHERE status = 'pending' AND next_attempt_at <= now()
                  ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) due
            WHERE n.id = due.id
            RETURNING n.id, n.delivery_id, n.kind, n.channel_type, n.channel_url, n.payload, n.attempts
            """;
    /** Renews one claimed notification's lease right before its send; 0 rows when the claim is gone. */
    private static final String RENEW = """
            UPDATE notification SET next_attempt_at = clock_timestamp() + ? * interval '1 millisecond'
            WHERE id = ? AND claim_token = ? AND status = 'pending'
            """;

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

    /** One claimed row of the outbox; {@code attempt} counts this one. */
    private record Due(long id, UUID deliveryId, String kind, String channelType, String url, String payload,
            int attempt, UUID claim) {}

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
            List<Due> claimed;
            do {
                claimed = claim();
                for (Due d : claimed) {
                    total += deliver(d) ? 1 : 0;
                }
            } while (claimed.size() == properties.batchSize());
        } catch (RuntimeException e) {
            // the database may be briefly unreachable; the next poll tries again
            log.warn("Notification dispatch failed: {}", e.toString());
        }
        return total;
    }

    /** Claims up to a batch of due notifications, in one autocommitted statement. */
    private List<Due> claim() {
        UUID claim = UUID.randomUUID();
        List<Due> due = new ArrayList<>(jdbc.query(CLAIM,
                (rs, i) -> new Due(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), claim),
                instance, claim, properties.lease().toMillis(), properties.batchSize()));
        due.sort(Comparator.comparingLong(Due::id));
        return due;
    }

    /**
     * Sends one claimed notification and records the outcome.
     *
     * @return false when the claim had expired and another instance had taken it over
     */
    private boolean deliver(Due d) {
        // the lease must cover this send, however long the earlier ones of the batch took
        if (jdbc.update(RENEW, properties.lease().toMillis(), d.id(), d.claim()) == 0) {
            return false;
        }
        long start = System.nanoTime();
        ChannelSender.Outcome outcome = sender.send(d.channelType(), d.url(), d.deliveryId(), d.kind(), d.payload());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        int attempt = d.attempt();
        ChannelSender.Verdict verdict = outcome.verdict() == ChannelSender.Verdict.RETRY && attempt >= properties.maxAttempts()
                ? ChannelSender.Verdict.FAILED : outcome.verdict();
        Boolean current = tx.execute(s -> record(d, verdict, outcome, millis));
        if (Boolean.FALSE.equals(current)) {
            log.info("Notification {} was taken over by another instance while {} sent it (lease {} ms);"
                    + " its receiver may see it twice under the same Idempotency-Key", d.deliveryId(), instance,
                    properties.lease().toMillis());
        } else if (verdict == ChannelSender.Verdict.FAILED) {
            log.warn("Notification {} to {} {} failed for good after {} attempt(s): {}", d.deliveryId(),
                    d.channelType(), d.url(), attempt, outcome.error());
        }
        counters.delivery(d.channelType(), verdict.name().toLowerCase(Locale.ROOT));
        return true;
    }

    /**
     * Writes the attempt to the delivery log and, while this claim still stands, the outcome.
     *
     * @return whether the claim still stood
     */
    private boolean record(Due d, ChannelSender.Verdict verdict, ChannelSender.Outcome outcome, long millis) {
        jdbc.update("""
                INSERT INTO notification_attempt (notification_id, attempt, instance, outcome, http_status, error, duration_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id, attempt) DO NOTHING
                """, d.id(), d.attempt(), instance, verdict.name().toLowerCase(Locale.ROOT), outcome.httpStatus(),
                outcome.error(), millis);
        String mine = " WHERE id = ? AND claim_token = ? AND status = 'pending'";
        int updated = switch (verdict) {
            case DELIVERED -> jdbc.update("UPDATE notification SET status = 'delivered', delivered_at = now(),"
                    + " last_error = NULL" + mine, d.id(), d.claim());
            case RETRY -> jdbc.update("UPDATE notification SET last_error = ?,"
                    + " next_attempt_at = clock_timestamp() + ? * interval '1 millisecond'" + mine,
                    outcome.error(), backoff(d.attempt()).toMillis(), d.id(), d.claim());
            case FAILED -> jdbc.update("UPDATE notification SET status = 'failed', last_error = ?" + mine,
                    outcome.error(), d.id(), d.claim());
        };
        return updated == 1;
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
