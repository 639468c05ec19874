package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.edge.FiniteNumbers;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bodies the notifiers send: the generic webhook's JSON (schema {@value #SCHEMA},
 * docs/alerting.md), and one line of text for Slack (mrkdwn) and the log.
 */
public final class NotificationPayloads {

    /** The schema name and version of the generic webhook body. */
    public static final String SCHEMA = "driftwatch.alert/v1";

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(FiniteNumbers.module()).build();

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

    /**
     * One line for Slack (mrkdwn) or the log. Every name in it comes from a user (rule, run, slice,
     * project, and the condition and summary that quote them), so each is escaped for where it goes:
     * for Slack, {@code &}, {@code <} and {@code >} (Slack's control characters: unescaped, a rule
     * named {@code <!channel>} would notify the whole channel, and {@code <https://x|text>} would show
     * a disguised link); for the log, line breaks and other control characters (unescaped, a run named
     * with a line feed would write a second, forged alert line).
     */
    static String text(AlertNotice n, boolean markdown) {
        UnaryOperator<String> q = markdown ? NotificationPayloads::slackText : NotificationPayloads::logText;
        String label = n.kind().headline();
        String name = q.apply(n.ruleName());
        String head = markdown ? "*[" + label + "]* *" + name + "*" : "[" + label + "] " + name;
        String slice = n.slice() == null || n.slice().isEmpty() ? "" : " slice " + q.apply(n.slice());
        return String.format(Locale.ROOT, "%s (%s) project %s run %s%s: %s; condition: %s",
                head, q.apply(n.severity()), q.apply(n.project()), q.apply(n.run()), slice,
                q.apply(n.summary()), q.apply(n.condition()));
    }

    /** Slack's three control characters as the entities Slack documents for them. */
    static String slackText(String s) {
        if (s == null) {
            return null;
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /**
     * Control characters (C0, DEL, C1) and the Unicode line and paragraph separators as a backslash, {@code u}
     * and four hex digits, and a backslash as two, so one notice is one log line and the escaping cannot be forged.
     */
    static String logText(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean escape = c == '\\' || Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            if (escape && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (c == '\\') {
                    b.append("\\\\");
                } else if (escape) {
                    b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    private static String iso(Instant t) {
        return t == null ? null : t.toString();
    }
}
