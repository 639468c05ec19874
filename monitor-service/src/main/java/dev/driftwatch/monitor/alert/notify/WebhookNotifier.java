package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.AlertsProperties;
import dev.driftwatch.monitor.alert.Channel;
import dev.driftwatch.monitor.alert.ChannelType;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The generic JSON webhook: the {@value NotificationPayloads#SCHEMA} body, the delivery id and event
 * kind as headers, and an HMAC signature when a secret is configured. No settings.
 */
@Component
class WebhookNotifier implements Notifier {

    private final HttpPoster poster;
    private final AlertsProperties properties;

    WebhookNotifier(HttpPoster poster, AlertsProperties properties) {
        this.poster = poster;
        this.properties = properties;
    }

    @Override
    public ChannelType type() {
        return ChannelType.WEBHOOK;
    }

    @Override
    public Channel check(Channel channel, String path, List<FieldProblem> problems) {
        Notifier.onlySettings(channel, path, List.of(), problems);
        return new Channel(type().wireName(), HttpPoster.checkUrl(path + ".url", channel.url(), problems));
    }

    @Override
    public String render(Channel channel, UUID deliveryId, AlertNotice notice) {
        return NotificationPayloads.webhook(deliveryId, notice);
    }

    @Override
    public ChannelSender.Outcome send(String url, UUID deliveryId, String kind, String payload) {
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Driftwatch-Delivery", deliveryId.toString());
        headers.put("X-Driftwatch-Event", kind);
        if (properties.signs()) {
            headers.put(WebhookSigner.HEADER, WebhookSigner.sign(properties.webhookSecret(), body));
        }
        return poster.postJson(url, deliveryId, body, headers);
    }
}
