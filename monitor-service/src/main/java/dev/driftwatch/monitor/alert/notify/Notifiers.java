package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.Channel;
import dev.driftwatch.monitor.alert.ChannelType;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** The notifier of each channel type; fails at startup when a type has none or two. */
@Component
public class Notifiers {

    /** How many channels one rule may have. */
    public static final int MAX_CHANNELS = 10;

    private final Map<ChannelType, Notifier> byType = new EnumMap<>(ChannelType.class);

    Notifiers(List<Notifier> notifiers) {
        for (Notifier n : notifiers) {
            if (byType.put(n.type(), n) != null) {
                throw new IllegalStateException("two notifiers for the channel type " + n.type());
            }
        }
        for (ChannelType t : ChannelType.values()) {
            if (!byType.containsKey(t)) {
                throw new IllegalStateException("no notifier for the channel type " + t);
            }
        }
    }

    /**
     * Returns the notifier of a channel type.
     *
     * @param type the type's JSON name
     * @return the notifier
     * @throws IllegalArgumentException for an unknown type
     */
    public Notifier of(String type) {
        return byType.get(ChannelType.byName(type).orElseThrow(
                () -> new IllegalArgumentException("unknown channel type " + type)));
    }

    /**
     * Checks a rule's channels, each by its notifier.
     *
     * @param channels the channels as the client wrote them, or null
     * @param problems where to record what is wrong ({@code channels[i].*})
     * @return the normalised channels
     */
    public List<Channel> check(List<Channel> channels, List<FieldProblem> problems) {
        if (channels == null) {
            return List.of();
        }
        if (channels.size() > MAX_CHANNELS) {
            problems.add(new FieldProblem("channels", "must have at most " + MAX_CHANNELS + " entries"));
            return List.of();
        }
        String types = String.join(", ", ChannelType.wireNames());
        List<Channel> out = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            String p = "channels[" + i + "]";
            Channel ch = channels.get(i);
            if (ch == null || ch.type() == null) {
                problems.add(new FieldProblem(p + ".type", "is required: " + types));
            } else if (ChannelType.byName(ch.type()).isEmpty()) {
                problems.add(new FieldProblem(p + ".type", "must be one of " + types));
            } else {
                out.add(of(ch.type()).check(ch, p, problems));
            }
        }
        return out;
    }
}
