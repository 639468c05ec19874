package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.alert.notify.Channel;
import dev.driftwatch.contract.RunKey;
import dev.driftwatch.monitor.alert.notify.Notifiers;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import dev.driftwatch.monitor.problem.ApiProblem;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks a rule request and returns it complete with defaults, or rejects it with a 400 naming every
 * field at fault, before anything is written. The condition checks itself ({@link ConditionReader}
 * and its record's constraints), each channel is checked by its type's notifier.
 */
final class RuleValidator {

    static final int MAX_WINDOW = 1000;
    static final int MAX_FOR = 1000;

    /**
     * The longest repeat interval: a year. Longer ones mean "never" in practice (PT0S says that), and one
     * beyond what an Instant can be moved by was accepted and then failed every upload of the runs the
     * rule watched once it fired.
     */
    static final Duration LONGEST_REPEAT = Duration.ofDays(365);

    private final List<FieldProblem> problems = new ArrayList<>();
    private final Notifiers notifiers;

    private RuleValidator(Notifiers notifiers) {
        this.notifiers = notifiers;
    }

    /**
     * Validates a request.
     *
     * @param request the client's rule
     * @param notifiers the notifiers that check the channels
     * @return the request with every default filled in
     * @throws ApiProblem 400 naming the fields at fault
     */
    static AlertRuleRequest validate(AlertRuleRequest request, Notifiers notifiers) {
        RuleValidator v = new RuleValidator(notifiers);
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
        ConditionSpec condition = condition(r.condition());
        int forCount = checkpoints("for", r.forCheckpoints());
        int keep = r.keepFiringFor() == null && condition != null
                ? ConditionType.byName(condition.type()).map(ConditionType::keepFiringFor).orElse(1)
                : checkpoints("keepFiringFor", r.keepFiringFor());
        String repeat = repeat(r.repeatInterval());
        List<Channel> channels = notifiers.check(r.channels(), problems);
        return new AlertRuleRequest(name, r.enabled() == null || r.enabled(), severity, scope, condition, forCount,
                keep, repeat, channels);
    }

    /** A count of consecutive checkpoints ({@code for}, {@code keepFiringFor}): 1 when absent, else in [1, MAX_FOR]. */
    private int checkpoints(String field, Integer value) {
        int count = value == null ? 1 : value;
        if (count < 1 || count > MAX_FOR) {
            problem(field, "must be an integer in [1, " + MAX_FOR + "] (consecutive checkpoints)");
        }
        return count;
    }

    private Scope scope(Scope s) {
        if (s == null) {
            return Scope.ALL;
        }
        // as sent, like the runs' tags it is compared with: a stripped "nightly " never matched the run tagged so
        String tag = s.tag();
        String run = s.run() == null ? null : s.run().strip();
        if (tag != null && !isText(tag, 64)) {
            problem("scope.tag", "must have 1 to 64 characters, not only spaces (no tag: every run)");
        }
        if (run != null && !RunKey.isValid(run)) {
            problem("scope.run", RunKey.PROBLEM);
        }
        return new Scope(tag, run);
    }

    /** Reads the typed condition and returns its normalised spec (defaults filled in). */
    private ConditionSpec condition(ConditionSpec spec) {
        if (spec == null) {
            problem("condition", "is required");
            return null;
        }
        ConditionReader reader = new ConditionReader(spec);
        Condition c = reader.read();
        problems.addAll(reader.problems());
        return c == null || !reader.problems().isEmpty() ? spec : c.toSpec();
    }

    private String repeat(String text) {
        if (text == null) {
            return Duration.ZERO.toString();
        }
        try {
            Duration d = Duration.parse(text.strip().toUpperCase(Locale.ROOT));
            if (d.isNegative() || (!d.isZero() && (d.compareTo(Duration.ofMinutes(1)) < 0
                    || d.compareTo(LONGEST_REPEAT) > 0))) {
                problem("repeatInterval", "must be PT0S (never) or from PT1M to P365D");
            } else if (d.getNano() != 0) {
                // stored in whole seconds: PT90.5S would come back as PT1M30S
                problem("repeatInterval", "must be whole seconds");
            }
            return d.toString();
        } catch (DateTimeParseException e) {
            problem("repeatInterval", "must be an ISO-8601 duration such as PT4H");
            return null;
        }
    }

    /**
     * Whether a rule's optional text, where given, is one: 1 to {@code max} characters, not only spaces. An
     * empty one is refused rather than taken for an absent one, which widened a rule's scope to every run and
     * its slice to the whole probe set.
     *
     * @param text the text as sent, not null
     * @param max the most characters
     * @return true when it may be stored
     */
    static boolean isText(String text, int max) {
        return !text.isBlank() && text.length() <= max;
    }
}
