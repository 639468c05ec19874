package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.Channel;
import dev.driftwatch.monitor.alert.ChannelType;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** The service log: one line per notification on the {@code dev.driftwatch.alerts} logger. No URL, no settings. */
@Component
class LogNotifier implements Notifier {

    /** The logger of the {@code log} channel, so it can be routed apart from the service's own log. */
    static final Logger ALERT_LOG = LoggerFactory.getLogger("dev.driftwatch.alerts");

    @Override
    public ChannelType type() {
        return ChannelType.LOG;
    }

    @Override
    public Channel check(Channel channel, String path, List<FieldProblem> problems) {
        if (channel.url() != null) {
            problems.add(new FieldProblem(path + ".url", "does not apply to the log channel"));
        }
        Notifier.onlySettings(channel, path, List.of(), problems);
        return new Channel(type().wireName(), null);
    }

    @Override
    public String render(Channel channel, UUID deliveryId, AlertNotice notice) {
        return NotificationPayloads.text(notice, false);
    }

    @Override
    public ChannelSender.Outcome send(String url, UUID deliveryId, String kind, String payload) {
        ALERT_LOG.warn("{}", payload);
        return ChannelSender.Outcome.DELIVERED;
    }
}
