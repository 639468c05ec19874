package dev.driftwatch.monitor.alert;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The notification channel types. Each has exactly one {@code Notifier} bean
 * ({@code alert/notify}); adding a channel is that one class plus its constant here
 * (docs/architecture.md, "How to add a notification channel").
 */
public enum ChannelType {

    /** The generic JSON webhook, HMAC-signed. */
    WEBHOOK("webhook"),
    /** A Slack-compatible incoming webhook. */
    SLACK("slack"),
    /** The service log. */
    LOG("log");

    private final String wireName;

    ChannelType(String wireName) {
        this.wireName = wireName;
    }

    /** @return the {@code type} in JSON and in the outbox, e.g. {@code webhook} */
    public String wireName() {
        return wireName;
    }

    /**
     * Looks a type up by its JSON name.
     *
     * @param wireName the name
     * @return the type, or empty
     */
    public static Optional<ChannelType> byName(String wireName) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(wireName)).findFirst();
    }

    /** @return every JSON name, in the order a form offers them */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(ChannelType::wireName).toList();
    }
}
