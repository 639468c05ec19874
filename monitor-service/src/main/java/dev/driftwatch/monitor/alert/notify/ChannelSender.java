package dev.driftwatch.monitor.alert.notify;

import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Sends one notification to its channel through the channel type's {@link Notifier} and says what
 * became of it: delivered, worth a retry, or failed for good.
 */
@Component
class ChannelSender {

    private final Notifiers notifiers;

    ChannelSender(Notifiers notifiers) {
        this.notifiers = notifiers;
    }

    /** What became of one attempt. */
    enum Verdict { DELIVERED, RETRY, FAILED }

    /**
     * The outcome of one attempt.
     *
     * @param verdict delivered, retry later, or failed for good
     * @param httpStatus the receiver's status, or null when there was no answer
     * @param error what went wrong, or null
     */
    record Outcome(Verdict verdict, Integer httpStatus, String error) {

        /** Delivered without an HTTP answer (e.g. the log). */
        static final Outcome DELIVERED = new Outcome(Verdict.DELIVERED, null, null);
    }

    /**
     * Sends a notification.
     *
     * @param channelType the channel type
     * @param url the URL (null for log)
     * @param deliveryId the delivery id
     * @param kind firing, repeat or resolved
     * @param payload the rendered body
     * @return the outcome
     */
    Outcome send(String channelType, String url, UUID deliveryId, String kind, String payload) {
        return notifiers.of(channelType).send(url, deliveryId, kind, payload);
    }
}
