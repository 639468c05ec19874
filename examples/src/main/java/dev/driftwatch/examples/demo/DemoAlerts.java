package dev.driftwatch.examples.demo;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.harness.ApiClient;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's use of the service's alerting and flagging: an alert rule on off-task drift created
 * before training, and the verdicts (flags, alerts) read back after it.
 */
final class DemoAlerts {

    /** The name of the rule the demo creates. */
    static final String RULE_NAME = "demo: off-task drift";
    /** KL(base||ft) on the off-task slices above which the rule fires, nats/token. */
    static final double OFF_TASK_KL_LIMIT = 0.5;

    private DemoAlerts() {}

    /**
     * Creates the demo's alert rule unless the project already has it.
     *
     * @param api the service
     * @param out where to report
     */
    static void createRule(ApiClient api, PrintStream out) {
        ApiClient.Answer existing = api.getInProject("/alert-rules");
        if (existing.status() == 404) {
            out.println("Alerting: this service has no alert-rules API; no alert rule created.");
            return;
        }
        boolean present = existing.array().stream()
                .anyMatch(r -> r instanceof Map<?, ?> m && RULE_NAME.equals(m.get("name")));
        if (present) {
            out.println("Alert rule '" + RULE_NAME + "' is already there.");
            return;
        }
        ApiClient.Answer created = api.postInProject("/alert-rules", rule());
        out.println(created.ok() ? "Alert rule '" + RULE_NAME + "' created: fires when the lower CI bound of"
                + " KL(base||ft) on an off-task slice stays above " + OFF_TASK_KL_LIMIT + " nats for 2 checkpoints."
                : "Alerting: could not create the demo's rule: HTTP " + created.status() + " " + created.text());
    }

    /**
     * The demo's rule: off-task drift (each {@code off-task/*} slice), CI-aware, two checkpoints in a
     * row, on the demo's runs, notifying the service log.
     *
     * @return the rule as the alert-rules API takes it
     */
    static Map<String, Object> rule() {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", "off_task");
        condition.put("metric", "kl_base_ft");
        condition.put("aggregate", "mean");
        condition.put("op", "above");
        condition.put("threshold", OFF_TASK_KL_LIMIT);
        condition.put("ciAware", true);
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("name", RULE_NAME);
        rule.put("severity", "warning");
        rule.put("scope", Map.of("tag", "demo"));
        rule.put("condition", condition);
        rule.put("for", 2);
        rule.put("channels", List.of(Map.of("type", "log")));
        return rule;
    }

    /**
     * Prints, per run, the service's flags and the listener's final drift, then the fired alerts.
     *
     * @param api the service
     * @param results the runs
     * @param out where to print
     */
    static void printVerdicts(ApiClient api, List<RunResult> results, PrintStream out) {
        out.println("\nWhat the service says:");
        for (RunResult r : results) {
            Optional<Map<String, Object>> run;
            try {
                run = api.run(r.runKey());
            } catch (IllegalStateException e) {
                out.println("  " + r.runKey() + ": " + e.getMessage());
                continue;
            }
            if (run.isEmpty()) {
                out.println("  " + r.runKey() + ": not on the service (see the spool directory)");
                continue;
            }
            Map<String, Object> v = run.get();
            boolean flagged = Boolean.TRUE.equals(v.get("flagged"));
            MetricSummary h = r.headline();
            out.printf(Locale.ROOT, "  %-36s %-8s %s  flags %s%n", r.runKey(), flagged ? "FLAGGED" : "ok",
                    h == null ? "" : String.format(Locale.ROOT, "KL %.3f [%.3f, %.3f]", h.mean(), h.ciLow(),
                            h.ciHigh()),
                    ApiClient.list(v, "flags"));
            for (Object reason : ApiClient.list(v, "flagReasons")) {
                if (reason instanceof Map<?, ?> m) {
                    out.println("      " + m.get("flag") + ": " + m.get("reason"));
                }
            }
        }
        ApiClient.Answer alerts = api.getInProject("/alerts?state=all");
        if (!alerts.ok()) {
            return;
        }
        out.println(alerts.array().isEmpty() ? "No alerts fired." : "Alerts:");
        for (Object a : alerts.array()) {
            if (a instanceof Map<?, ?> m && results.stream().anyMatch(r -> r.runKey().equals(m.get("run")))) {
                out.printf(Locale.ROOT, "  %-8s %s on %s%s: %s%n", m.get("state"), m.get("ruleName"), m.get("run"),
                        m.get("slice") == null ? "" : " [" + m.get("slice") + "]", m.get("summary"));
            }
        }
    }
}
