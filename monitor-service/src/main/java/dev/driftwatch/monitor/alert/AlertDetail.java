package dev.driftwatch.monitor.alert;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One alert episode with its transitions and notifications.
 *
 * @param alert the episode
 * @param transitions its state changes, oldest first
 * @param notifications its notifications with their delivery status, oldest first
 */
public record AlertDetail(AlertView alert, List<Transition> transitions, List<NotificationStatus> notifications) {

    /**
     * A state change.
     *
     * @param state the state entered
     * @param step the checkpoint step
     * @param value the observed value, or null
     * @param note what was seen or why
     * @param at when
     */
    public record Transition(String state, Long step, Double value, String note, Instant at) {}

    /**
     * A notification and its delivery.
     *
     * @param deliveryId the id sent as {@code X-Driftwatch-Delivery}
     * @param kind firing, repeat or resolved
     * @param channel webhook, slack or log
     * @param url the target URL, or null
     * @param status pending, delivered or failed
     * @param attempts attempts made
     * @param lastError the last failure, or null
     * @param createdAt when it was enqueued
     * @param deliveredAt when it was delivered, or null
     */
    public record NotificationStatus(UUID deliveryId, String kind, String channel, String url, String status,
            int attempts, String lastError, Instant createdAt, Instant deliveredAt) {}
}
