package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.Scalar;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import dev.driftwatch.monitor.problem.ApiProblem;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a {@link ConditionSpec} into its typed {@link Condition}: the type's record asks for the fields
 * it uses ({@link #watch}, {@link #op}, ...), each checked here with the field's path; a field the type
 * did not ask for is "does not apply"; the record's own Bean Validation constraints are checked last.
 * Every problem is collected, so one answer names all fields at fault.
 */
final class ConditionReader {

    private static final Validator VALIDATOR = Validation.buildDefaultValidatorFactory().getValidator();

    private final ConditionSpec spec;
    private final Set<FieldProblem> problems = new LinkedHashSet<>();
    private final Set<String> asked = new HashSet<>();
    private String typeName;
    private boolean scalar;

    ConditionReader(ConditionSpec spec) {
        this.spec = spec;
    }

    /**
     * Reads the condition.
     *
     * @return the condition, or null when its type is unknown
     */
    Condition read() {
        ConditionType type = ConditionType.byName(spec.type()).orElse(null);
        if (type == null) {
            problem("type", "must be one of " + String.join(", ", ConditionType.wireNames()));
            return null;
        }
        typeName = type.wireName();
        Condition c = type.reader().read(this);
        forbidUnasked();
        for (ConstraintViolation<Condition> v : VALIDATOR.validate(c)) {
            problem(v.getPropertyPath().toString(), v.getMessage());
        }
        return c;
    }

    /** @return the problems found, each with its {@code condition.*} path */
    List<FieldProblem> problems() {
        return new ArrayList<>(problems);
    }

    /** Throws a 400 naming every field at fault, when there is one. */
    void throwIfProblems() {
        if (!problems.isEmpty()) {
            throw ApiProblem.invalid(problems());
        }
    }

    private void problem(String field, String message) {
        problems.add(new FieldProblem("condition." + field, message));
    }

    /**
     * The watched metric and aggregate.
     *
     * @param headlineByDefault whether a missing metric means the headline (slice-wise types)
     * @return the watch (with a null metric when it is missing)
     */
    Watch watch(boolean headlineByDefault) {
        asked.add("metric");
        asked.add("aggregate");
        String metric = spec.metric() == null && headlineByDefault ? MetricNames.HEADLINE : spec.metric();
        scalar = MetricNames.SCALAR.contains(metric);
        if (metric == null) {
            problem("metric", "is required");
        } else if (!MetricNames.ALL.contains(metric) && MetricNames.ALL.contains(Scalar.currentName(metric))) {
            problem("metric", "'" + metric + "' is an earlier spelling; the metric is named '"
                    + Scalar.currentName(metric) + "'");
        } else if (!MetricNames.ALL.contains(metric)) {
            problem("metric", "unknown metric '" + metric + "'; one of " + String.join(", ", MetricNames.ALL));
        }
        String aggregate = spec.aggregate();
        if (scalar) {
            if (aggregate != null) {
                problem("aggregate", "does not apply to the scalar metric " + metric);
            }
            return new Watch(metric, null);
        }
        if (aggregate == null) {
            aggregate = "mean";
        } else if (!MetricNames.AGGREGATES.contains(aggregate)) {
            problem("aggregate", "unknown aggregate '" + aggregate + "'; one of "
                    + String.join(", ", MetricNames.AGGREGATES));
        }
        return new Watch(metric, aggregate);
    }

    /**
     * The slice setting.
     *
     * @param allowed false for types that look at the slices themselves
     * @return null (whole probe set), a label, or {@code *}
     */
    String slice(boolean allowed) {
        asked.add("slice");
        // as sent, like the slice labels it is compared with
        String slice = spec.slice();
        if (!allowed) {
            if (slice != null) {
                problem("slice", "does not apply to " + typeName + " (it looks at the slices itself)");
            }
            if (scalar) {
                problem("type", "the scalar metric " + spec.metric() + " has no slices");
            }
            return null;
        }
        if (scalar && slice != null) {
            problem("slice", "the scalar metric " + spec.metric() + " has no slices");
        } else if (slice != null && !RuleValidator.isText(slice, 128)) {
            problem("slice", "must have 1 to 128 characters, not only spaces (\"*\" for each slice; no slice: the whole"
                    + " probe set)");
        }
        return slice;
    }

    /**
     * Whether the CI bound is compared instead of the value.
     *
     * @param allowed whether the type compares CI bounds at all
     * @param watch the watched value (CI bounds need a summary's mean)
     * @return the setting
     */
    boolean ciAware(boolean allowed, Watch watch) {
        asked.add("ciAware");
        boolean ciAware = spec.checksCiBound();
        if (ciAware && !allowed) {
            problem("ciAware", "applies to threshold and off_task conditions only");
        } else if (ciAware && (scalar || !"mean".equals(watch.aggregate()))) {
            problem("ciAware", "needs a summary metric with aggregate mean (it compares the CI bounds)");
        }
        return ciAware;
    }

    /**
     * The comparison.
     *
     * @param byDefault the operator when none is given, or null when it is required
     * @return the operator (above when it is missing or wrong, after recording the problem)
     */
    Op op(Op byDefault) {
        asked.add("op");
        Op op = spec.op() == null ? byDefault : Op.byName(spec.op()).orElse(null);
        if (op == null) {
            problem("op", "must be above or below");
            return Op.ABOVE;
        }
        return op;
    }

    /**
     * The threshold.
     *
     * @param required whether the type needs one
     * @return the threshold; NaN when a required one is missing (after recording the problem), null
     *     when an optional one is absent
     */
    Double threshold(boolean required) {
        asked.add("threshold");
        Double t = spec.threshold();
        if (required && (t == null || !Double.isFinite(t))) {
            problem("threshold", "is required, a finite number");
            return Double.NaN;
        }
        if (t != null && !Double.isFinite(t)) {
            problem("threshold", "must be a finite number");
        }
        return t;
    }

    /** @return the rate window, 0 when missing (the record's constraint reports it) */
    int window() {
        asked.add("window");
        return spec.window() == null ? 0 : spec.window();
    }

    /** @return the concentration factor, null when missing or not finite (the record's constraint reports it) */
    Double factor() {
        asked.add("factor");
        return spec.factor() == null || !Double.isFinite(spec.factor()) ? null : spec.factor();
    }

    /**
     * The quantile of a forecast compared with the budget.
     *
     * @param byDefault the quantile when none is given
     * @return the quantile (its range is the record's constraint)
     */
    double quantile(double byDefault) {
        asked.add("quantile");
        return spec.quantile() == null ? byDefault : spec.quantile();
    }

    /** Fields the type did not ask for must be absent ({@code ciAware: false} is harmless: forms send it). */
    private void forbidUnasked() {
        forbid("metric", spec.metric());
        forbid("aggregate", spec.aggregate());
        forbid("slice", spec.slice());
        forbid("op", spec.op());
        forbid("threshold", spec.threshold());
        forbid("ciAware", spec.checksCiBound() ? Boolean.TRUE : null);
        forbid("window", spec.window());
        forbid("factor", spec.factor());
        forbid("quantile", spec.quantile());
    }

    private void forbid(String field, Object value) {
        if (value != null && !asked.contains(field)) {
            problem(field, "does not apply to " + typeName);
        }
    }
}
