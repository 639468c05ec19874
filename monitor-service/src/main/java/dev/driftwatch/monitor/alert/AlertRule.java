package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.alert.notify.Channel;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A stored, validated alert rule.
 *
 * @param id the rule's id
 * @param project the project's key
 * @param name display name
 * @param enabled whether it is evaluated
 * @param severity {@code info}, {@code warning} or {@code critical}
 * @param scope which runs of the project it watches
 * @param condition what it checks (in JSON: its flat {@link ConditionSpec})
 * @param forCheckpoints consecutive checkpoints before it fires
 * @param keepFiringFor consecutive checkpoints without the condition before a firing alert resolves
 * @param repeatInterval how often a still-firing alert notifies again, as ISO-8601 ({@code PT0S}: never)
 * @param channels where notifications go
 * @param createdAt when it was created
 * @param updatedAt when it was last changed
 */
public record AlertRule(
        long id,
        String project,
        String name,
        boolean enabled,
        String severity,
        Scope scope,
        Condition condition,
        @JsonProperty("for") int forCheckpoints,
        int keepFiringFor,
        String repeatInterval,
        List<Channel> channels,
        Instant createdAt,
        Instant updatedAt) {

    /** @return the repeat interval; zero means never */
    @JsonIgnore
    public Duration repeat() {
        return Duration.parse(repeatInterval);
    }
}
