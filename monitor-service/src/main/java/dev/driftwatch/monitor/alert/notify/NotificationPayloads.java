package dev.driftwatch.monitor.alert.notify;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bodies the notifiers send: the generic webhook's JSON (schema {@value #SCHEMA},
 * docs/alerting.md), and one line of text for Slack (mrkdwn) and the log.
 */
public final class NotificationPayloads {

    /** The schema name and version of the generic webhook body. */
    public static final String SCHEMA = "driftwatch.alert/v1";

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private NotificationPayloads() {}

    /**
     * The generic webhook body.
     *
     * @param deliveryId the delivery id, also sent as {@code X-Driftwatch-Delivery}
     * @param n the notice
     * @return JSON text
     */
    static String webhook(UUID deliveryId, AlertNotice n) {
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("id", n.ruleId());
        rule.put("name", n.ruleName());
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("id", n.alertId());
        alert.put("state", n.kind() == NotificationKind.RESOLVED ? "resolved" : "firing");
        alert.put("severity", n.severity());
        alert.put("rule", rule);
        alert.put("project", n.project());
        alert.put("run", n.run());
        alert.put("slice", n.slice());
        alert.put("condition", n.condition());
        alert.put("summary", n.summary());
        alert.put("value", n.value());
        alert.put("step", n.step());
        alert.put("startedAt", iso(n.startedAt()));
        alert.put("firedAt", iso(n.firedAt()));
        alert.put("resolvedAt", iso(n.resolvedAt()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("schema", SCHEMA);
        body.put("deliveryId", deliveryId.toString());
        body.put("kind", n.kind().wireName());
        body.put("alert", alert);
        return JSON.writeValueAsString(body);
    }

    /** One line for Slack (mrkdwn) or the log. */
    static String text(AlertNotice n, boolean markdown) {
        String label = n.kind().headline();
        String head = markdown ? "*[" + label + "]* *" + n.ruleName() + "*" : "[" + label + "] " + n.ruleName();
        String slice = n.slice() == null || n.slice().isEmpty() ? "" : " slice " + n.slice();
        return String.format(Locale.ROOT, "%s (%s) project %s run %s%s: %s; condition: %s",
                head, n.severity(), n.project(), n.run(), slice, n.summary(), n.condition());
    }

    private static String iso(Instant t) {
        return t == null ? null : t.toString();
    }
}
