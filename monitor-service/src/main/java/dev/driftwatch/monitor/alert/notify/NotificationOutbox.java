package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.Channel;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The transactional outbox: notifications are rows written in the caller's transaction (the ingest
 * that made an alert fire), so they exist exactly when the alert change committed. The
 * {@link NotificationDispatcher} delivers them; this instance's dispatcher is woken after the commit.
 */
@Component
public class NotificationOutbox {

    private final JdbcTemplate jdbc;
    private final NotificationDispatcher dispatcher;
    private final Notifiers notifiers;

    NotificationOutbox(JdbcTemplate jdbc, NotificationDispatcher dispatcher, Notifiers notifiers) {
        this.jdbc = jdbc;
        this.dispatcher = dispatcher;
        this.notifiers = notifiers;
    }

    /**
     * Enqueues one notification per channel. The key {@code alert:<id>:<kind>:<n>:<channel index>}
     * is unique, so enqueueing the same notice twice writes nothing the second time.
     *
     * @param notice what happened
     * @param sequence the episode's notification number (0 for firing, 1.. for repeats and resolve)
     * @param channels the rule's channels
     * @return notifications written
     */
    public int enqueue(AlertNotice notice, int sequence, List<Channel> channels) {
        int written = 0;
        for (int i = 0; i < channels.size(); i++) {
            Channel ch = channels.get(i);
            UUID deliveryId = UUID.randomUUID();
            String key = "alert:" + notice.alertId() + ":" + notice.kind().wireName() + ":" + sequence + ":" + i;
            written += jdbc.update("""
                    INSERT INTO notification (delivery_id, dedup_key, alert_id, kind, channel_type, channel_url, payload)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING
                    """, deliveryId, key, notice.alertId(), notice.kind().wireName(), ch.type(), ch.url(),
                    notifiers.of(ch.type()).render(ch, deliveryId, notice));
        }
        if (written > 0 && TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    dispatcher.wakeUp();
                }
            });
        }
        return written;
    }
}
