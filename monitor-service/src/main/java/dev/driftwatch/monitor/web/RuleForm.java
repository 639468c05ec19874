package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.alert.AlertRule;
import dev.driftwatch.monitor.alert.AlertRuleRequest;
import dev.driftwatch.monitor.alert.Channel;
import dev.driftwatch.monitor.alert.Condition;
import dev.driftwatch.monitor.alert.Scope;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules editor's form: every field as the browser sends it (text), turned into the alerting
 * API's {@link AlertRuleRequest}. Fields that do not apply to the chosen condition type are left out,
 * so the rule validator only sees what the user meant; its field problems are shown next to the form.
 *
 * @param name rule name
 * @param enabled "true" when the rule is evaluated
 * @param severity info, warning or critical
 * @param scopeTag only runs with this tag
 * @param scopeRun only this run
 * @param type condition type
 * @param metric metric name
 * @param aggregate statistic of a summary metric
 * @param slice slice label, {@code *} for each slice, empty for the whole probe set
 * @param op above or below
 * @param threshold the threshold
 * @param ciAware "true" to compare the CI bound
 * @param window rate window in checkpoints
 * @param factor concentration factor
 * @param forCheckpoints consecutive checkpoints before firing
 * @param repeatInterval ISO-8601 duration
 * @param channelType log, webhook, slack or empty
 * @param channelUrl the webhook URL
 */
public record RuleForm(String name, String enabled, String severity, String scopeTag, String scopeRun, String type,
        String metric, String aggregate, String slice, String op, String threshold, String ciAware, String window,
        String factor, String forCheckpoints, String repeatInterval, String channelType, String channelUrl) {

    /** @return an empty form with the usual defaults: headline KL mean above a threshold, CI-aware */
    static RuleForm empty() {
        return new RuleForm("", "true", "warning", "", "", Condition.THRESHOLD, "kl_base_ft", "mean", "", "above",
                "0.5", "true", "", "", "1", "", "log", "");
    }

    /**
     * Fills the form from a stored rule, for editing.
     *
     * @param r the rule
     * @return the form
     */
    static RuleForm of(AlertRule r) {
        Condition c = r.condition();
        Channel ch = r.channels().isEmpty() ? null : r.channels().get(0);
        return new RuleForm(r.name(), String.valueOf(r.enabled()), r.severity(), text(r.scope().tag()),
                text(r.scope().run()), c.type(), text(c.metric()), text(c.aggregate()), text(c.slice()), text(c.op()),
                text(c.threshold()), String.valueOf(c.checksCiBound()), text(c.window()), text(c.factor()),
                String.valueOf(r.forCheckpoints()), "PT0S".equals(r.repeatInterval()) ? "" : r.repeatInterval(),
                ch == null ? "" : ch.type(), ch == null ? "" : text(ch.url()));
    }

    /**
     * Builds the API request.
     *
     * @return the request
     * @throws ApiProblem 400 naming the form fields that are not numbers
     */
    AlertRuleRequest toRequest() {
        List<FieldProblem> problems = new ArrayList<>();
        String t = blank(type);
        // a forecast rule has only its budget (the threshold): the rest is fixed (docs/forgetting.md)
        boolean noMetric = Condition.FLAG.equals(t) || Condition.FORECAST.equals(t);
        boolean forecast = Condition.FORECAST.equals(t);
        boolean concentrated = Condition.CONCENTRATED.equals(t);
        boolean rate = Condition.RATE.equals(t);
        boolean slicesOnly = concentrated || Condition.OFF_TASK.equals(t);
        String m = noMetric ? null : blank(metric);
        boolean scalar = isScalar(m);
        Condition condition = new Condition(t, m,
                noMetric || scalar ? null : blank(aggregate),
                noMetric || slicesOnly ? null : blank(slice),
                noMetric || concentrated ? null : blank(op),
                noMetric && !forecast ? null : number("condition.threshold", threshold, problems),
                "true".equals(ciAware) && !noMetric && !rate && !concentrated ? Boolean.TRUE : null,
                rate ? integer("condition.window", window, problems) : null,
                concentrated ? number("condition.factor", factor, problems) : null);
        Scope scope = new Scope(blank(scopeTag), blank(scopeRun));
        List<Channel> channels = blank(channelType) == null ? List.of()
                : List.of(new Channel(channelType, Channel.LOG.equals(channelType) ? null : blank(channelUrl)));
        Integer forCount = integer("for", forCheckpoints, problems);
        if (!problems.isEmpty()) {
            throw ApiProblem.invalid(problems);
        }
        return new AlertRuleRequest(name, "true".equals(enabled), blank(severity), scope, condition, forCount,
                blank(repeatInterval), channels);
    }

    private static boolean isScalar(String metric) {
        return dev.driftwatch.monitor.alert.MetricNames.SCALAR.contains(metric);
    }

    private static Double number(String field, String text, List<FieldProblem> problems) {
        if (blank(text) == null) {
            return null;
        }
        try {
            return Double.valueOf(text.strip());
        } catch (NumberFormatException e) {
            problems.add(new FieldProblem(field, "must be a number"));
            return null;
        }
    }

    private static Integer integer(String field, String text, List<FieldProblem> problems) {
        if (blank(text) == null) {
            return null;
        }
        try {
            return Integer.valueOf(text.strip());
        } catch (NumberFormatException e) {
            problems.add(new FieldProblem(field, "must be a whole number"));
            return null;
        }
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }
}
