package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.alert.AlertRule;
import dev.driftwatch.monitor.alert.AlertRuleRequest;
import dev.driftwatch.monitor.alert.notify.Channel;
import dev.driftwatch.monitor.alert.notify.ChannelType;
import dev.driftwatch.monitor.alert.ConditionSpec;
import dev.driftwatch.monitor.alert.ConditionType;
import dev.driftwatch.monitor.alert.ForecastCondition;
import dev.driftwatch.monitor.alert.MetricNames;
import dev.driftwatch.monitor.alert.Scope;
import dev.driftwatch.monitor.edge.DecimalText;
import dev.driftwatch.monitor.edge.StorableJson;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.JsonProblems;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The rules editor's form: every field as the browser sends it (text), turned into the alerting
 * API's {@link AlertRuleRequest}. Fields that do not apply to the chosen condition type are left out,
 * so the rule validator only sees what the user meant; its field problems are shown next to the form.
 * Channels are parallel lists, one entry per channel row of the form (a row with no type is dropped),
 * so editing a rule keeps every channel, settings included.
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
 * @param quantile the forecast's quantile compared with the budget (forecast rules)
 * @param forCheckpoints consecutive checkpoints before firing
 * @param keepFiringFor consecutive checkpoints without the condition before a firing alert resolves
 * @param repeatInterval ISO-8601 duration
 * @param channelType per channel row: log, webhook, slack or empty
 * @param channelUrl per channel row: the URL
 * @param channelSettings per channel row: its settings as a JSON object (kept from the stored rule)
 */
public record RuleForm(String name, String enabled, String severity, String scopeTag, String scopeRun, String type,
        String metric, String aggregate, String slice, String op, String threshold, String ciAware, String window,
        String factor, String quantile, String forCheckpoints, String keepFiringFor, String repeatInterval, List<String> channelType,
        List<String> channelUrl, List<String> channelSettings) {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** Channel settings are read as strictly as the API reads them: a key given twice is refused. */
    private static final ObjectMapper SETTINGS_JSON =
            JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * One channel row of the form.
     *
     * @param type the channel type, empty for none
     * @param url the URL, empty for none
     * @param settings the settings as JSON, empty for none
     */
    public record ChannelRow(String type, String url, String settings) {}

    /** Absent lists (a form without channel rows) are empty. */
    public RuleForm {
        channelType = channelType == null ? List.of() : channelType;
        channelUrl = channelUrl == null ? List.of() : channelUrl;
        channelSettings = channelSettings == null ? List.of() : channelSettings;
    }

    /** @return an empty form with the usual defaults: headline KL mean above a threshold, CI-aware, to the log */
    static RuleForm empty() {
        return new RuleForm("", "true", "warning", "", "", ConditionType.THRESHOLD.wireName(), MetricNames.HEADLINE,
                "mean", "", "above", "0.5", "true", "", "", String.valueOf(ForecastCondition.LOWER_95), "1", "", "",
                List.of(ChannelType.LOG.wireName()), List.of(""),
                List.of(""));
    }

    /**
     * Fills the form from a stored rule, for editing.
     *
     * @param r the rule
     * @return the form
     */
    static RuleForm of(AlertRule r) {
        ConditionSpec c = r.condition().toSpec();
        List<String> types = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        for (Channel ch : r.channels()) {
            types.add(ch.type());
            urls.add(text(ch.url()));
            settings.add(ch.settings().isEmpty() ? "" : JSON.writeValueAsString(ch.settings()));
        }
        return new RuleForm(r.name(), String.valueOf(r.enabled()), r.severity(), text(r.scope().tag()),
                text(r.scope().run()), c.type(), text(c.metric()), text(c.aggregate()), text(c.slice()), text(c.op()),
                text(c.threshold()), String.valueOf(c.checksCiBound()), text(c.window()), text(c.factor()),
                c.quantile() == null ? String.valueOf(ForecastCondition.LOWER_95) : text(c.quantile()),
                String.valueOf(r.forCheckpoints()), String.valueOf(r.keepFiringFor()), "PT0S".equals(r.repeatInterval()) ? "" : r.repeatInterval(), types,
                urls, settings);
    }

    /**
     * This form with its channel rows exactly as posted, one value per row: Spring binds a field posted
     * once as one text and splits it at its commas into a list, so a single row's
     * {@code https://hooks.example/x?tags=a,b} became two rows and was saved cut at the comma (a browser
     * always posts the empty row too, a script need not).
     *
     * @param parameter the request's values of a parameter, null when absent
     * @return the form
     */
    RuleForm withChannelRowsAsPosted(Function<String, String[]> parameter) {
        return new RuleForm(name, enabled, severity, scopeTag, scopeRun, type, metric, aggregate, slice, op, threshold,
                ciAware, window, factor, quantile, forCheckpoints, keepFiringFor, repeatInterval,
                asPosted(parameter.apply("channelType")), asPosted(parameter.apply("channelUrl")),
                asPosted(parameter.apply("channelSettings")));
    }

    private static List<String> asPosted(String[] values) {
        return values == null ? List.of() : Arrays.asList(values);
    }

    /**
     * This form as posted over an edit of a stored rule, with the stored name, tag, run and slice kept
     * where the form could only show them changed and the user left them as shown: a browser strips line
     * breaks from a text field's value, and the form strips leading and trailing spaces, so a rule made
     * through the API with {@code "two\nlines"} came back from any edit named {@code "twolines"}.
     *
     * @param stored the stored rule's form ({@link #of})
     * @return the form to save
     */
    RuleForm keepingWhatTheFormCouldNotShow(RuleForm stored) {
        return new RuleForm(kept(stored.name, name), enabled, severity, kept(stored.scopeTag, scopeTag),
                kept(stored.scopeRun, scopeRun), type, metric, aggregate, kept(stored.slice, slice), op, threshold,
                ciAware, window, factor, quantile, forCheckpoints, keepFiringFor, repeatInterval, channelType,
                channelUrl, channelSettings);
    }

    private static String kept(String stored, String posted) {
        if (stored == null || posted == null || stored.equals(posted)) {
            return posted;
        }
        String shown = stored.replace("\r", "").replace("\n", "").strip();
        return shown.equals(posted.strip()) ? stored : posted;
    }

    /**
     * The channel rows to show: one per channel, then an empty one to add a channel.
     *
     * @return the rows
     */
    public List<ChannelRow> channelRows() {
        List<ChannelRow> rows = new ArrayList<>();
        for (int i = 0; i < channelType.size(); i++) {
            if (blank(channelType.get(i)) != null) {
                rows.add(new ChannelRow(channelType.get(i), at(channelUrl, i), at(channelSettings, i)));
            }
        }
        rows.add(new ChannelRow("", "", ""));
        return rows;
    }

    /**
     * Builds the API request.
     *
     * @return the request
     * @throws ApiProblem 400 naming the form fields that are not numbers
     */
    AlertRuleRequest toRequest() {
        List<FieldProblem> problems = new ArrayList<>();
        ConditionType t = ConditionType.byName(blank(type)).orElse(null);
        boolean flag = t == ConditionType.FLAG;
        boolean forecast = t == ConditionType.FORECAST; // the budget and the quantile only
        boolean noMetric = flag || forecast;
        boolean concentrated = t == ConditionType.CONCENTRATED;
        boolean rate = t == ConditionType.RATE;
        boolean slicesOnly = concentrated || t == ConditionType.OFF_TASK;
        String m = noMetric ? null : blank(metric);
        boolean scalar = MetricNames.SCALAR.contains(m);
        ConditionSpec condition = new ConditionSpec(blank(type), m,
                noMetric || scalar ? null : blank(aggregate),
                noMetric || slicesOnly ? null : given(slice),
                noMetric || concentrated ? null : blank(op),
                flag ? null : number("condition.threshold", threshold, problems),
                "true".equals(ciAware) && !noMetric && !rate && !concentrated ? Boolean.TRUE : null,
                rate ? integer("condition.window", window, problems) : null,
                concentrated ? number("condition.factor", factor, problems) : null,
                forecast ? number("condition.quantile", quantile, problems) : null);
        Scope scope = new Scope(given(scopeTag), given(scopeRun));
        List<Channel> channels = new ArrayList<>();
        for (int i = 0; i < channelType.size(); i++) {
            String chType = blank(channelType.get(i));
            if (chType == null) {
                continue;
            }
            String url = ChannelType.LOG.wireName().equals(chType) ? null : blank(at(channelUrl, i));
            channels.add(new Channel(chType, url, settings(at(channelSettings, i), channels.size(), problems)));
        }
        Integer forCount = integer("for", forCheckpoints, problems);
        Integer keep = integer("keepFiringFor", keepFiringFor, problems);
        if (blank(enabled) != null && !"true".equals(enabled) && !"false".equals(enabled)) {
            // (the menu sends one of the two; anything else was taken as false, the rule silently off)
            problems.add(new FieldProblem("enabled", "must be true or false"));
        }
        if (!problems.isEmpty()) {
            throw ApiProblem.invalid(problems);
        }
        return new AlertRuleRequest(name, "true".equals(enabled), blank(severity), scope, condition, forCount,
                keep, blank(repeatInterval), channels);
    }

    private static Map<String, String> settings(String json, int index, List<FieldProblem> problems) {
        if (blank(json) == null) {
            return Map.of();
        }
        String field = "channels[" + index + "].settings";
        Map<String, String> settings;
        try {
            settings = SETTINGS_JSON.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (JacksonException e) {
            ApiProblem named = JsonProblems.of(e);
            boolean twice = "is given more than once".equals(named.getErrors().get(0).message());
            problems.add(twice ? new FieldProblem(field + "." + named.getErrors().get(0).field(), "is given more than once")
                    : new FieldProblem(field, "must be a JSON object of strings"));
            return Map.of();
        }
        // null, or a setting whose value is null: as the API refuses them
        if (settings == null || settings.containsValue(null)) {
            problems.add(new FieldProblem(field, "must be a JSON object of strings"));
            return Map.of();
        }
        // the edge saw the field's text, not what its escapes decode to ("\u0000" is six characters there)
        ObjectNode decoded = JSON.createObjectNode();
        settings.forEach(decoded::put);
        try {
            StorableJson.check(decoded);
        } catch (ApiProblem e) {
            e.getErrors().forEach(p -> problems.add(new FieldProblem("channels[" + index + "].settings." + p.field(),
                    p.message())));
        }
        return settings;
    }

    private static String at(List<String> values, int i) {
        return i < values.size() && values.get(i) != null ? values.get(i) : "";
    }

    private static Double number(String field, String text, List<FieldProblem> problems) {
        if (blank(text) == null) {
            return null;
        }
        try {
            return DecimalText.parse(text);
        } catch (NumberFormatException e) {
            problems.add(new FieldProblem(field, DecimalText.problem(e, "must be a number")));
            return null;
        }
    }

    private static Integer integer(String field, String text, List<FieldProblem> problems) {
        if (blank(text) == null) {
            return null;
        }
        try {
            return DecimalText.parseInt(text.strip());
        } catch (NumberFormatException e) {
            problems.add(new FieldProblem(field, "must be a whole number"));
            return null;
        }
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /**
     * A value matched as it is (a tag, a run key, a slice: the API keeps them as sent, and {@code " nightly "} is not
     * {@code "nightly"}), or null when the field was left empty. Stripped, an unchanged save of a rule made through
     * the API changed the runs it watches.
     */
    private static String given(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }
}
