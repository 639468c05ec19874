package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.contract.WireNamed;

import java.util.List;
import java.util.Optional;

/**
 * The notification channel types. Each has exactly one {@code Notifier} bean
 * ({@code alert/notify}); adding a channel is that one class plus its constant here
 * (docs/architecture.md, "How to add a notification channel").
 */
public enum ChannelType implements WireNamed {

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
        return WireNamed.byName(ChannelType.class, wireName);
    }

    /** @return every JSON name, in the order a form offers them */
    public static List<String> wireNames() {
        return WireNamed.wireNames(ChannelType.class);
    }
}
