package dev.driftwatch.monitor.ingest;

import static java.lang.annotation.ElementType.ANNOTATION_TYPE;
import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.RunStatus;
import dev.driftwatch.contract.Statistic;
import dev.driftwatch.monitor.edge.PgLimits;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import jakarta.validation.ReportAsSingleViolation;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hibernate.validator.constraintvalidation.HibernateConstraintValidatorContext;

/**
 * The contract's own rules that no built-in constraint states, as Bean Validation constraints on the
 * ingestion bodies ({@link IngestBodies}): a known metric's range ({@link Metric#range()}), the order of a
 * summary's statistics, unique names in a list, trainable within total parameters, what a valid
 * checkpoint must carry, the token-drift cross-references, a storable RFC 3339 time, a name from the
 * contract's vocabulary and the run key of the path. Each validator names the field at fault through
 * the constraint context (e.g. {@code metrics[kl_base_ft].mean}), so the answer's path is the JSON path.
 */
final class IngestConstraints {

    /** Two values this close (relative) count as ordered: rounding of the plugin's aggregates. */
    static final double SLACK = 1e-9;

    private IngestConstraints() {}

    /**
     * Reports a violation at {@code node} (a property of the validated object) with a literal message.
     *
     * @param context the context
     * @param node the property, or null for the validated value itself
     * @param message the message, taken literally (no interpolation)
     * @return false
     */
    static boolean fail(ConstraintValidatorContext context, String node, String message) {
        Report report = new Report(context);
        if (node == null) {
            report.here(message);
        } else {
            report.at(node, message).addConstraintViolation();
        }
        return report.ok();
    }

    /**
     * The violations one validator finds, each at its own node, in place of the constraint's default
     * violation (the first one disables it).
     */
    static final class Report {
        private final ConstraintValidatorContext context;
        private boolean any;

        Report(ConstraintValidatorContext context) {
            this.context = context;
        }

        private ConstraintValidatorContext.ConstraintViolationBuilder builder(String message) {
            if (!any) {
                context.disableDefaultConstraintViolation();
                any = true;
            }
            return context.buildConstraintViolationWithTemplate(literal(message));
        }

        /** Reports a violation of the validated value itself. */
        void here(String message) {
            builder(message).addConstraintViolation();
        }

        /**
         * Starts a violation at a property of the validated value; the caller may go deeper and adds it.
         *
         * @param property the property
         * @param message the message, taken literally
         * @return the node builder
         */
        ConstraintValidatorContext.ConstraintViolationBuilder.NodeBuilderCustomizableContext at(String property,
                String message) {
            return builder(message).addPropertyNode(property);
        }

        /** @return true when nothing was reported */
        boolean ok() {
            return !any;
        }
    }

    /** Escapes a text so the message interpolator leaves it as it is. */
    static String literal(String message) {
        return message.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("$", "\\$");
    }

    /** {@code a <= b}, allowing the plugin's rounding. */
    static boolean leq(double a, double b) {
        return a <= b + SLACK * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;
    }

    // ---- a metric name ----------------------------------------------------------------------------

    /** A metric name on the wire, known or not ({@link Metric#NAME_RULE}). */
    @Target({FIELD, PARAMETER, TYPE_USE})
    @Retention(RUNTIME)
    @Constraint(validatedBy = MetricNameValidator.class)
    @interface MetricName {
        String message() default "is not a metric name";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link MetricName}. */
    public static final class MetricNameValidator implements ConstraintValidator<MetricName, String> {
        @Override
        public boolean isValid(String name, ConstraintValidatorContext context) {
            return name == null || Metric.isWellFormed(name)
                    || fail(context, null, "is not a metric name (" + Metric.NAME_RULE + ")");
        }
    }

    // ---- a known metric's range -------------------------------------------------------------------

    /**
     * Every statistic of a metric the contract knows lies in its range ({@link Metric#range()}); a
     * well-formed name it does not know (a newer plugin's) gets the generic checks only.
     */
    @Target({FIELD, PARAMETER})
    @Retention(RUNTIME)
    @Constraint(validatedBy = MetricRangesValidator.class)
    @interface MetricRanges {
        String message() default "out of the metric's range";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link MetricRanges}: one violation per statistic out of range, at {@code metrics.<name>.<stat>}. */
    public static final class MetricRangesValidator
            implements ConstraintValidator<MetricRanges, Map<String, IngestBodies.SummaryBody>> {
        @Override
        public boolean isValid(Map<String, IngestBodies.SummaryBody> metrics, ConstraintValidatorContext context) {
            if (metrics == null) {
                return true;
            }
            Report report = new Report(context);
            for (Map.Entry<String, IngestBodies.SummaryBody> e : metrics.entrySet()) {
                Metric metric = Metric.byName(e.getKey()).orElse(null);
                if (metric == null || e.getValue() == null) {
                    continue;
                }
                for (Statistic s : Statistic.values()) {
                    Double v = e.getValue().value(s);
                    String violation = v == null ? null : metric.range().violation(v);
                    if (violation != null) {
                        report.at(s.wireName(), violation).inIterable().atKey(e.getKey()).addConstraintViolation();
                    }
                }
            }
            return report.ok();
        }
    }

    // ---- the order of a summary's statistics ------------------------------------------------------

    /** {@code p50 <= p90 <= p99 <= max} (named at {@code p50}) and {@code ciLow <= mean <= ciHigh} (at {@code ciLow}). */
    @Target({TYPE, ANNOTATION_TYPE})
    @Retention(RUNTIME)
    @Constraint(validatedBy = OrderedSummaryValidator.class)
    @interface OrderedSummary {
        String message() default "statistics out of order";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link OrderedSummary}; a summary with a missing statistic is left to {@code @NotNull}. */
    public static final class OrderedSummaryValidator
            implements ConstraintValidator<OrderedSummary, IngestBodies.SummaryBody> {
        @Override
        public boolean isValid(IngestBodies.SummaryBody s, ConstraintValidatorContext context) {
            if (s == null || s.p50() == null || s.p90() == null || s.p99() == null || s.max() == null
                    || s.ciLow() == null || s.mean() == null || s.ciHigh() == null) {
                return true;
            }
            Report report = new Report(context);
            if (!(leq(s.p50(), s.p90()) && leq(s.p90(), s.p99()) && leq(s.p99(), s.max()))) {
                report.at("p50", "must satisfy p50 <= p90 <= p99 <= max").addConstraintViolation();
            }
            if (!(leq(s.ciLow(), s.mean()) && leq(s.mean(), s.ciHigh()))) {
                report.at("ciLow", "must satisfy ciLow <= mean <= ciHigh").addConstraintViolation();
            }
            return report.ok();
        }
    }

    // ---- unique names in a list -------------------------------------------------------------------

    /** An item of a list whose names must be unique. */
    interface Named {
        /** @return the item's name, or null when it has none */
        String uniqueName();
    }

    /** The items' names are unique; a repeat is named at {@code [i].<property>}. */
    @Target({FIELD, PARAMETER})
    @Retention(RUNTIME)
    @Constraint(validatedBy = UniqueNamesValidator.class)
    @interface UniqueNames {
        /** @return the JSON property holding the name */
        String property();

        String message() default "must be unique within the checkpoint";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link UniqueNames}. */
    public static final class UniqueNamesValidator implements ConstraintValidator<UniqueNames, List<? extends Named>> {
        private String property;

        @Override
        public void initialize(UniqueNames annotation) {
            property = annotation.property();
        }

        @Override
        public boolean isValid(List<? extends Named> items, ConstraintValidatorContext context) {
            if (items == null) {
                return true;
            }
            Set<String> seen = new HashSet<>();
            Report report = new Report(context);
            for (int i = 0; i < items.size(); i++) {
                String name = items.get(i) == null ? null : items.get(i).uniqueName();
                if (name != null && !seen.add(name)) {
                    report.at(property, "must be unique within the checkpoint").inIterable().atIndex(i)
                            .addConstraintViolation();
                }
            }
            return report.ok();
        }
    }

    // ---- trainable within total -------------------------------------------------------------------

    /** A body that states parameter counts. */
    interface ParameterCounts {
        /** @return all parameters, or null */
        Long totalParameters();

        /** @return the trained ones, or null */
        Long trainableParameters();
    }

    /** {@code trainableParameters <= totalParameters}, named at {@code trainableParameters}. */
    @Target({TYPE, ANNOTATION_TYPE})
    @Retention(RUNTIME)
    @Constraint(validatedBy = TrainableWithinTotalValidator.class)
    @interface TrainableWithinTotal {
        String message() default "must be <= totalParameters";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link TrainableWithinTotal}. */
    public static final class TrainableWithinTotalValidator
            implements ConstraintValidator<TrainableWithinTotal, ParameterCounts> {
        @Override
        public boolean isValid(ParameterCounts p, ConstraintValidatorContext context) {
            if (p == null || p.totalParameters() == null || p.trainableParameters() == null
                    || p.trainableParameters() <= p.totalParameters()) {
                return true;
            }
            return fail(context, "trainableParameters", "must be <= totalParameters");
        }
    }

    /**
     * A run's {@code config.plannedSteps}, which the service reads (its forecast's horizon), is a decimal
     * step from 1 to {@link PgLimits#MAX_STEP}; the other config values are the trainer's own text.
     */
    @Target({TYPE, ANNOTATION_TYPE})
    @Retention(RUNTIME)
    @Constraint(validatedBy = PlannedStepsValidator.class)
    @interface PlannedSteps {
        String message() default "plannedSteps is not a step";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link PlannedSteps}. */
    public static final class PlannedStepsValidator implements ConstraintValidator<PlannedSteps, IngestBodies.RunBody> {
        @Override
        public boolean isValid(IngestBodies.RunBody run, ConstraintValidatorContext context) {
            String planned = run == null || run.config() == null ? null : run.config().get(RunInfo.PLANNED_STEPS);
            if (planned == null || RunInfo.plannedSteps(planned) != null) {
                return true;
            }
            return fail(context, "config", RunInfo.PLANNED_STEPS + " must be a whole number from 1 to "
                    + PgLimits.MAX_STEP + " (the run's planned final step), not '" + planned + "'");
        }
    }

    // ---- what a valid checkpoint carries ----------------------------------------------------------

    /**
     * A valid checkpoint (the default) measured at least one probe example and carries the headline
     * metric ({@link Metric#HEADLINE}); an invalid one says why ({@code invalidReason}).
     */
    @Target({TYPE, ANNOTATION_TYPE})
    @Retention(RUNTIME)
    @Constraint(validatedBy = CheckpointRulesValidator.class)
    @interface CheckpointRules {
        String message() default "checkpoint rules";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link CheckpointRules}. */
    public static final class CheckpointRulesValidator
            implements ConstraintValidator<CheckpointRules, IngestBodies.CheckpointBody> {
        @Override
        public boolean isValid(IngestBodies.CheckpointBody c, ConstraintValidatorContext context) {
            if (c == null) {
                return true;
            }
            Report report = new Report(context);
            if (!c.isValid() && c.invalidReason() == null) {
                report.at("invalidReason", "is required").addConstraintViolation();
            }
            if (c.isValid() && c.probeCount() != null && c.probeCount() < 1) {
                report.at("probeCount", "must be an integer in [1, " + PgLimits.MAX_INT_COLUMN + "]")
                        .addConstraintViolation();
            }
            if (c.isValid() && c.metrics() == null) {
                report.at("metrics", "is required").addConstraintViolation();
            } else if (c.isValid() && !c.metrics().containsKey(Metric.HEADLINE.wireName())) {
                report.at("metrics", "is required when valid").addPropertyNode(Metric.HEADLINE.wireName())
                        .addConstraintViolation();
            }
            return report.ok();
        }
    }

    // ---- per-token drift --------------------------------------------------------------------------

    /**
     * One KL per token, and each worst position points at a scored token ({@code index} below the
     * number of tokens, its KL not null).
     */
    @Target({TYPE, ANNOTATION_TYPE})
    @Retention(RUNTIME)
    @Constraint(validatedBy = TokenRulesValidator.class)
    @interface TokenRules {
        String message() default "token rules";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link TokenRules}. */
    public static final class TokenRulesValidator implements ConstraintValidator<TokenRules, IngestBodies.TokensBody> {
        @Override
        public boolean isValid(IngestBodies.TokensBody t, ConstraintValidatorContext context) {
            if (t == null || t.tokens() == null || t.kl() == null) {
                return true;
            }
            int n = t.tokens().size();
            if (t.kl().size() != n) {
                return fail(context, "kl", "must hold one value per token (" + n + ")");
            }
            Report report = new Report(context);
            List<IngestBodies.PositionBody> worst = t.worst() == null ? List.of() : t.worst();
            for (int w = 0; w < worst.size(); w++) {
                Long index = worst.get(w) == null ? null : worst.get(w).index();
                String problem = index == null || index < 0 ? null
                        : index >= n ? "must be an integer in [0, " + (n - 1) + "]"
                        : t.kl().get(index.intValue()) == null ? "must point at a scored token" : null;
                if (problem != null) {
                    report.at("worst", problem).addPropertyNode("index").inIterable().atIndex(w)
                            .addConstraintViolation();
                }
            }
            return report.ok();
        }
    }

    // ---- a storable time --------------------------------------------------------------------------

    /** An RFC 3339 time with an offset, between {@link PgLimits#MIN_TIME} and {@link PgLimits#MAX_TIME}. */
    @Target({FIELD, PARAMETER, TYPE_USE})
    @Retention(RUNTIME)
    @Constraint(validatedBy = StorableTimeValidator.class)
    @interface StorableTime {
        String message() default "must be an RFC 3339 time such as 2026-11-27T08:00:00Z";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link StorableTime}. */
    public static final class StorableTimeValidator implements ConstraintValidator<StorableTime, String> {
        @Override
        public boolean isValid(String text, ConstraintValidatorContext context) {
            if (text == null) {
                return true;
            }
            Instant t = parse(text);
            if (t == null) {
                return false;
            }
            return PgLimits.storableTime(t) || fail(context, null, PgLimits.TIME_RANGE);
        }

        /**
         * Parses a time the way the constraint reads it.
         *
         * @param text the text
         * @return the instant, or null when it is not an RFC 3339 time with an offset
         */
        static Instant parse(String text) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    // ---- a name of the contract's vocabulary ------------------------------------------------------

    /** The vocabularies a {@link OneOf} field takes its value from. */
    enum Vocabulary {
        /** How a run trains ({@link RunInfo#METHODS}). */
        METHOD(RunInfo.METHODS),
        /** How a run ended ({@link RunStatus#endWireNames()}). */
        END_STATUS(RunStatus.endWireNames());

        private final List<String> names;

        Vocabulary(List<String> names) {
            this.names = names;
        }
    }

    /** One of the names of a {@link Vocabulary}. */
    @Target({FIELD, PARAMETER})
    @Retention(RUNTIME)
    @Constraint(validatedBy = OneOfValidator.class)
    @interface OneOf {
        /** @return where the allowed names come from */
        Vocabulary value();

        String message() default "is not an allowed value";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link OneOf}. */
    public static final class OneOfValidator implements ConstraintValidator<OneOf, String> {
        private List<String> names;

        @Override
        public void initialize(OneOf annotation) {
            names = annotation.value().names;
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || names.contains(value)
                    || fail(context, null, "must be one of " + String.join(", ", names));
        }
    }

    // ---- the run key of the path ------------------------------------------------------------------

    /**
     * The run key of the request's path, given to the validator as its constraint-validator payload.
     *
     * @param value the run key
     */
    record RunKeyOfPath(String value) {}

    /** When present, equals the run key of the path ({@link RunKeyOfPath}). */
    @Target({FIELD, PARAMETER})
    @Retention(RUNTIME)
    @Constraint(validatedBy = SameRunKeyValidator.class)
    @interface SameRunKey {
        String message() default "must equal the run key of the path";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** Checks {@link SameRunKey}; without a payload (no path) there is nothing to compare. */
    public static final class SameRunKeyValidator implements ConstraintValidator<SameRunKey, String> {
        @Override
        public boolean isValid(String runKey, ConstraintValidatorContext context) {
            if (runKey == null) {
                return true;
            }
            RunKeyOfPath path = context.unwrap(HibernateConstraintValidatorContext.class)
                    .getConstraintValidatorPayload(RunKeyOfPath.class);
            return path == null || runKey.equals(path.value());
        }
    }

    // ---- a probability ----------------------------------------------------------------------------

    /** A probability in [0, 1] (with the plugin's rounding above 1). */
    @DecimalMin(value = "0")
    @DecimalMax(value = "1.000000001")
    @ReportAsSingleViolation
    @Target({FIELD, PARAMETER, TYPE_USE})
    @Retention(RUNTIME)
    @Constraint(validatedBy = {})
    @interface Probability {
        String message() default "must be a probability in [0, 1]";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }
}
