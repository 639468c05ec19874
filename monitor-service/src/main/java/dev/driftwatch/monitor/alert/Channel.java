package dev.driftwatch.monitor.alert;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Where a rule's notifications go.
 *
 * @param type {@code webhook} (generic JSON, HMAC-signed), {@code slack} (incoming webhook) or
 *     {@code log} (the service log)
 * @param url the http(s) URL of {@code webhook} and {@code slack}; null for {@code log}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Channel(String type, String url) {

    /** The generic JSON webhook. */
    public static final String WEBHOOK = "webhook";
    /** A Slack-compatible incoming webhook. */
    public static final String SLACK = "slack";
    /** The service log. */
    public static final String LOG = "log";
    /** Every channel type. */
    public static final List<String> TYPES = List.of(WEBHOOK, SLACK, LOG);
}
