package dev.driftwatch.monitor.alert;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * Where a rule's notifications go: a channel type, its address, and the settings its integration
 * needs (each type's notifier says which it takes, e.g. Slack's {@code channel} and {@code username}).
 *
 * @param type {@code webhook} (generic JSON, HMAC-signed), {@code slack} (incoming webhook) or
 *     {@code log} (the service log), see {@link ChannelType}
 * @param url the http(s) URL of {@code webhook} and {@code slack}; null for {@code log}
 * @param settings per-integration settings, name to value (empty when none)
 */
public record Channel(
        String type,
        String url,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> settings) {

    /** Copies the settings; absent settings are empty. */
    public Channel {
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }

    /**
     * A channel without settings.
     *
     * @param type the channel type
     * @param url the URL, or null
     */
    public Channel(String type, String url) {
        this(type, url, Map.of());
    }
}
