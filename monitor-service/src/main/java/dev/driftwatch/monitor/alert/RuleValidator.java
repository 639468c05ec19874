package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.RunKey;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import dev.driftwatch.monitor.problem.ApiProblem;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks a rule request and returns it complete with defaults, or rejects it with a 400 naming every
 * field at fault, before anything is written.
 */
final class RuleValidator {

    static final int MAX_WINDOW = 1000;
    static final int MAX_FOR = 1000;
    static final int MAX_CHANNELS = 10;


    private final List<FieldProblem> problems = new ArrayList<>();

    private RuleValidator() {}

    /**
     * Validates a request.
     *
     * @param request the client's rule
     * @return the request with every default filled in
     * @throws ApiProblem 400 naming the fields at fault
     */
    static AlertRuleRequest validate(AlertRuleRequest request) {
        RuleValidator v = new RuleValidator();
        AlertRuleRequest valid = v.check(request);
        if (!v.problems.isEmpty()) {
            throw ApiProblem.invalid(v.problems);
        }
        return valid;
    }

    private void problem(String field, String message) {
        problems.add(new FieldProblem(field, message));
    }

    private AlertRuleRequest check(AlertRuleRequest r) {
        if (r == null) {
            problem("body", "is required");
            return null;
        }
        String name = r.name() == null ? null : r.name().strip();
        if (name == null || name.isEmpty() || name.length() > 200) {
            problem("name", "is required, 1 to 200 characters");
        }
        String severity = r.severity() == null ? "warning" : r.severity();
        if (!AlertRuleRequest.SEVERITIES.contains(severity)) {
            problem("severity", "must be one of " + String.join(", ", AlertRuleRequest.SEVERITIES));
        }
        Scope scope = scope(r.scope());
        Condition condition = condition(r.condition());
        int forCount = r.forCheckpoints() == null ? 1 : r.forCheckpoints();
        if (forCount < 1 || forCount > MAX_FOR) {
            problem("for", "must be an integer in [1, " + MAX_FOR + "] (consecutive checkpoints)");
        }
        String repeat = repeat(r.repeatInterval());
        List<Channel> channels = channels(r.channels());
        return new AlertRuleRequest(name, r.enabled() == null || r.enabled(), severity, scope, condition, forCount,
                repeat, channels);
    }

    private Scope scope(Scope s) {
        if (s == null) {
            return Scope.ALL;
        }
        String tag = blankToNull(s.tag());
        String run = blankToNull(s.run());
        if (tag != null && tag.length() > 64) {
            problem("scope.tag", "must have 1 to 64 characters");
        }
        if (run != null && !RunKey.isValid(run)) {
            problem("scope.run", RunKey.PROBLEM);
        }
        return new Scope(tag, run);
    }

    private Condition condition(Condition c) {
        if (c == null) {
            problem("condition", "is required");
            return null;
        }
        String type = c.type();
        if (type == null || !Condition.TYPES.contains(type)) {
            problem("condition.type", "must be one of " + String.join(", ", Condition.TYPES));
            return c;
        }
        if (type.equals(Condition.FLAG)) {
            forbid(c.metric(), "metric", type);
            forbid(c.aggregate(), "aggregate", type);
            forbid(c.slice(), "slice", type);
            forbid(c.op(), "op", type);
            forbid(c.threshold(), "threshold", type);
            forbid(c.window(), "window", type);
            forbid(c.factor(), "factor", type);
            forbid(c.checksCiBound() ? Boolean.TRUE : null, "ciAware", type); // false is harmless (forms send it)
            return new Condition(type, null, null, null, null, null, null, null, null);
        }
        boolean slicesOnly = type.equals(Condition.OFF_TASK) || type.equals(Condition.CONCENTRATED);
        String metric = c.metric() == null && slicesOnly ? MetricNames.HEADLINE : c.metric();
        boolean scalar = MetricNames.SCALAR.contains(metric);
        if (metric == null) {
            problem("condition.metric", "is required");
        } else if (!MetricNames.ALL.contains(metric)) {
            problem("condition.metric", "unknown metric '" + metric + "'; one of " + String.join(", ", MetricNames.ALL));
        }
        String aggregate = c.aggregate();
        if (scalar) {
            forbid(aggregate, "aggregate", "the scalar metric " + metric);
            if (slicesOnly || c.slice() != null) {
                problem(slicesOnly ? "condition.type" : "condition.slice",
                        "the scalar metric " + metric + " has no slices");
            }
        } else if (aggregate == null) {
            aggregate = "mean";
        } else if (!MetricNames.AGGREGATES.contains(aggregate)) {
            problem("condition.aggregate", "unknown aggregate '" + aggregate + "'; one of "
                    + String.join(", ", MetricNames.AGGREGATES));
        }
        String slice = blankToNull(c.slice());
        if (slicesOnly) {
            forbid(slice, "slice", type + " (it looks at the slices itself)");
        } else if (slice != null && slice.length() > 128) {
            problem("condition.slice", "must have 1 to 128 characters (or \"*\" for each slice)");
        }
        boolean ciAware = c.checksCiBound();
        if (ciAware) {
            if (type.equals(Condition.RATE) || type.equals(Condition.CONCENTRATED)) {
                problem("condition.ciAware", "applies to threshold and off_task conditions only");
            } else if (scalar || !"mean".equals(aggregate)) {
                problem("condition.ciAware", "needs a summary metric with aggregate mean (it compares the CI bounds)");
            }
        }
        String op = c.op();
        Double threshold = c.threshold();
        Integer window = c.window();
        Double factor = c.factor();
        if (type.equals(Condition.CONCENTRATED)) {
            forbid(op, "op", type);
            forbid(window, "window", type);
            if (factor == null || !Double.isFinite(factor) || factor <= 1) {
                problem("condition.factor", "is required, a finite number > 1 (times the mean over slices)");
            }
            if (threshold != null && !Double.isFinite(threshold)) {
                problem("condition.threshold", "must be a finite number");
            }
        } else {
            forbid(factor, "factor", type);
            if (op == null) {
                op = type.equals(Condition.OFF_TASK) ? "above" : null;
            }
            if (op == null || !Condition.OPS.contains(op)) {
                problem("condition.op", "must be above or below");
            }
            if (threshold == null || !Double.isFinite(threshold)) {
                problem("condition.threshold", "is required, a finite number");
            }
            if (type.equals(Condition.RATE)) {
                if (window == null || window < 2 || window > MAX_WINDOW) {
                    problem("condition.window", "is required, an integer in [2, " + MAX_WINDOW
                            + "] (checkpoints, the current one included)");
                }
            } else {
                forbid(window, "window", type);
            }
        }
        return new Condition(type, metric, scalar ? null : aggregate, slice, op, threshold,
                ciAware ? Boolean.TRUE : null, window, factor);
    }

    private void forbid(Object value, String field, String type) {
        if (value != null) {
            problem("condition." + field, "does not apply to " + type);
        }
    }

    private String repeat(String text) {
        if (text == null || text.isBlank()) {
            return Duration.ZERO.toString();
        }
        try {
            Duration d = Duration.parse(text.strip().toUpperCase(Locale.ROOT));
            if (d.isNegative() || (!d.isZero() && d.compareTo(Duration.ofMinutes(1)) < 0)) {
                problem("repeatInterval", "must be PT0S (never) or at least PT1M");
            }
            return d.toString();
        } catch (DateTimeParseException e) {
            problem("repeatInterval", "must be an ISO-8601 duration such as PT4H");
            return null;
        }
    }

    private List<Channel> channels(List<Channel> channels) {
        if (channels == null) {
            return List.of();
        }
        if (channels.size() > MAX_CHANNELS) {
            problem("channels", "must have at most " + MAX_CHANNELS + " entries");
            return List.of();
        }
        List<Channel> out = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            String p = "channels[" + i + "]";
            Channel ch = channels.get(i);
            if (ch == null || ch.type() == null) {
                problem(p + ".type", "is required: webhook, slack or log");
                continue;
            }
            switch (ch.type()) {
                case Channel.LOG -> {
                    if (ch.url() != null) {
                        problem(p + ".url", "does not apply to the log channel");
                    }
                    out.add(new Channel(Channel.LOG, null));
                }
                case Channel.WEBHOOK, Channel.SLACK -> {
                    String url = url(p + ".url", ch.url());
                    out.add(new Channel(ch.type(), url));
                }
                default -> problem(p + ".type", "must be webhook, slack or log");
            }
        }
        return out;
    }

    private String url(String field, String text) {
        if (text == null || text.isBlank()) {
            problem(field, "is required, an absolute http(s) URL");
            return null;
        }
        if (text.length() > 2000) {
            problem(field, "must have at most 2000 characters");
            return null;
        }
        try {
            URI uri = new URI(text.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                problem(field, "must be an absolute http(s) URL with a host, e.g. https://hooks.example/x");
                return null;
            }
            return uri.toString();
        } catch (URISyntaxException e) {
            problem(field, "is not a valid URL: " + e.getReason());
            return null;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
