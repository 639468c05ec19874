package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.Channel;
import dev.driftwatch.monitor.alert.ChannelType;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Slack-compatible incoming webhook: one mrkdwn line. Settings: {@code channel} (e.g.
 * {@code #ml-alerts}, where the webhook allows overriding it) and {@code username}.
 */
@Component
class SlackNotifier implements Notifier {

    /** The settings a Slack channel takes. */
    static final List<String> SETTINGS = List.of("channel", "username");

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final HttpPoster poster;

    SlackNotifier(HttpPoster poster) {
        this.poster = poster;
    }

    @Override
    public ChannelType type() {
        return ChannelType.SLACK;
    }

    @Override
    public Channel check(Channel channel, String path, List<FieldProblem> problems) {
        Notifier.onlySettings(channel, path, SETTINGS, problems);
        channel.settings().forEach((k, v) -> {
            if (SETTINGS.contains(k) && (v == null || v.isBlank() || v.length() > 80)) {
                problems.add(new FieldProblem(path + ".settings." + k, "must have 1 to 80 characters"));
            }
        });
        return new Channel(type().wireName(), HttpPoster.checkUrl(path + ".url", channel.url(), problems),
                channel.settings());
    }

    @Override
    public String render(Channel channel, UUID deliveryId, AlertNotice notice) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("text", NotificationPayloads.text(notice, true));
        SETTINGS.forEach(k -> {
            if (channel.settings().containsKey(k)) {
                body.put(k, channel.settings().get(k));
            }
        });
        return JSON.writeValueAsString(body);
    }

    @Override
    public ChannelSender.Outcome send(String url, UUID deliveryId, String kind, String payload) {
        return poster.postJson(url, deliveryId, payload.getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
