package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.Channel;
import dev.driftwatch.monitor.alert.ChannelType;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.util.List;
import java.util.UUID;

/**
 * One notification integration (Alertmanager's one notifier per integration): it checks a channel's
 * config when a rule is saved, renders a notice into its payload when the notification is enqueued,
 * and sends the payload when the dispatcher delivers it. One Spring bean per {@link ChannelType}.
 */
interface Notifier {

    /**
     * Returns the channel type this notifier serves.
     *
     * @return the type
     */
    ChannelType type();

    /**
     * Checks a channel of this type and returns it normalised.
     *
     * @param channel the channel as the client wrote it
     * @param path the channel's field path, e.g. {@code channels[1]}
     * @param problems where to record what is wrong, with the field's path
     * @return the normalised channel (meaningless when a problem was recorded)
     */
    Channel check(Channel channel, String path, List<FieldProblem> problems);

    /**
     * Renders a notice into the body this channel sends.
     *
     * @param channel the channel (its settings may shape the body)
     * @param deliveryId the notification's delivery id
     * @param notice what happened
     * @return the payload
     */
    String render(Channel channel, UUID deliveryId, AlertNotice notice);

    /**
     * Sends a rendered payload once and classifies the answer.
     *
     * @param url the channel's URL (null for channels without one)
     * @param deliveryId the delivery id
     * @param kind firing, repeat or resolved
     * @param payload the rendered body
     * @return the outcome
     */
    ChannelSender.Outcome send(String url, UUID deliveryId, String kind, String payload);

    /**
     * Records a problem for every setting this notifier does not take.
     *
     * @param channel the channel
     * @param path its field path
     * @param known the settings it takes
     * @param problems where to record them
     */
    static void onlySettings(Channel channel, String path, List<String> known, List<FieldProblem> problems) {
        channel.settings().keySet().stream().filter(k -> !known.contains(k)).sorted().forEach(k -> problems.add(
                new FieldProblem(path + ".settings." + k, known.isEmpty() ? "the " + channel.type()
                        + " channel takes no settings" : "is not a setting of the " + channel.type()
                        + " channel (" + String.join(", ", known) + ")")));
    }
}
