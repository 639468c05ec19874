package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.alert.notify.Channel;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A rule as a client writes it (API body or UI form); {@link RuleValidator} checks it and fills the
 * defaults. Example:
 *
 * <pre>
 * {"name": "KL above 0.5", "severity": "warning", "scope": {"tag": "demo"},
 *  "condition": {"type": "threshold", "metric": "kl_base_ft", "aggregate": "mean", "op": "above",
 *                "threshold": 0.5, "ciAware": true},
 *  "for": 3, "repeatInterval": "PT4H",
 *  "channels": [{"type": "webhook", "url": "https://hooks.example/driftwatch"}, {"type": "log"}]}
 * </pre>
 *
 * @param name display name, 1 to 200 characters
 * @param enabled false to keep the rule without evaluating it (default true)
 * @param severity {@code info}, {@code warning} (default) or {@code critical}
 * @param scope which runs (default: every run of the project)
 * @param condition what to check, as JSON writes it ({@link ConditionSpec#toCondition()} reads it)
 * @param forCheckpoints consecutive checkpoints the condition must hold before firing (default 1)
 * @param keepFiringFor consecutive checkpoints the condition must not hold before a firing alert
 *     resolves (default 1: at the first, and 3 for a {@code forecast} condition, whose bound moves with
 *     every checkpoint; more keeps a condition that flickers near its threshold from resolving and firing
 *     again)
 * @param repeatInterval ISO-8601 duration after which a still-firing alert notifies again, e.g.
 *     {@code PT4H}; null or {@code PT0S} never repeats
 * @param channels where notifications go (may be empty: the alert is only recorded)
 */
public record AlertRuleRequest(
        String name,
        Boolean enabled,
        String severity,
        Scope scope,
        ConditionSpec condition,
        @JsonProperty("for") Integer forCheckpoints,
        Integer keepFiringFor,
        String repeatInterval,
        List<Channel> channels) {

    /** The severities, lowest first. */
    public static final List<String> SEVERITIES = List.of("info", "warning", "critical");
}
