package dev.driftwatch.contract;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The distribution metrics of the wire format (formulas: docs/metrics.md), each with its wire name,
 * label, unit, direction and valid range. This enum is the one list of metrics: the plugin emits
 * them, the service validates known ones against their range, offers them in the metric picker and
 * in alert rules, and the benchmarks generate them.
 *
 * <p>A metric name the enum does not know (from a newer plugin) is still valid on the wire when it
 * matches {@link #NAME_RULE}: the service stores it and shows it generically (no label, no unit, no
 * range check). See docs/architecture.md, "How to add a metric".
 *
 * <p>Per-example values are means over the example's scored positions, in nats per token (a
 * classifier has one position, so nats per example). For sequence models the {@code _seq} variants are
 * the sums over positions, in nats per sequence.
 */
public enum Metric {

    /** KL(base || fine-tuned), nats/token: the forgetting direction and the headline metric. */
    KL_BASE_FT("kl_base_ft", "KL(base ‖ fine-tuned), headline", Unit.NATS_PER_TOKEN, Direction.HIGHER_IS_MORE_DRIFT,
            Range.NON_NEGATIVE, Needs.ANY_PROBES),
    /** KL(fine-tuned || base), nats/token: the direction RL penalties use. */
    KL_FT_BASE("kl_ft_base", "KL(fine-tuned ‖ base)", Unit.NATS_PER_TOKEN, Direction.HIGHER_IS_MORE_DRIFT,
            Range.NON_NEGATIVE, Needs.ANY_PROBES),
    /** Jensen-Shannon divergence, nats/token, at most ln 2. */
    JS("js", "Jensen–Shannon", Unit.NATS_PER_TOKEN, Direction.HIGHER_IS_MORE_DRIFT, Range.LN2, Needs.ANY_PROBES),
    /** Total variation distance, in [0, 1]. */
    TV("tv", "Total variation", Unit.FRACTION, Direction.HIGHER_IS_MORE_DRIFT, Range.UNIT, Needs.ANY_PROBES),
    /** Fraction of positions where the base and fine-tuned argmax agree, in [0, 1]. */
    TOP1_AGREE("top1_agree", "Top-1 agreement", Unit.FRACTION, Direction.LOWER_IS_MORE_DRIFT, Range.UNIT,
            Needs.ANY_PROBES),
    /** Entropy of the base distribution, nats/token. */
    ENTROPY_BASE("entropy_base", "Entropy, base", Unit.NATS_PER_TOKEN, Direction.NEUTRAL, Range.NON_NEGATIVE,
            Needs.ANY_PROBES),
    /** Entropy of the fine-tuned distribution, nats/token. */
    ENTROPY_FT("entropy_ft", "Entropy, fine-tuned", Unit.NATS_PER_TOKEN, Direction.NEUTRAL, Range.NON_NEGATIVE,
            Needs.ANY_PROBES),
    /** KL(base || fine-tuned) summed over a sequence's masked positions, nats/sequence. */
    KL_BASE_FT_SEQ("kl_base_ft_seq", "KL(base ‖ fine-tuned) per sequence", Unit.NATS_PER_SEQUENCE,
            Direction.HIGHER_IS_MORE_DRIFT, Range.NON_NEGATIVE, Needs.SEQUENCES),
    /** KL(fine-tuned || base) summed over a sequence's masked positions, nats/sequence. */
    KL_FT_BASE_SEQ("kl_ft_base_seq", "KL(fine-tuned ‖ base) per sequence", Unit.NATS_PER_SEQUENCE,
            Direction.HIGHER_IS_MORE_DRIFT, Range.NON_NEGATIVE, Needs.SEQUENCES),
    /** Task loss of the base on the probe targets, mean -log p(target) over scored positions, nats/token. */
    TASK_LOSS_BASE("task_loss_base", "Task loss, base", Unit.NATS_PER_TOKEN, Direction.NEUTRAL, Range.NON_NEGATIVE,
            Needs.TARGETS),
    /** Task loss of the fine-tuned model on the probe targets, nats/token. */
    TASK_LOSS_FT("task_loss_ft", "Task loss, fine-tuned", Unit.NATS_PER_TOKEN, Direction.NEUTRAL, Range.NON_NEGATIVE,
            Needs.TARGETS),
    /** Forgetting: fine-tuned task loss minus base task loss, per example, nats/token (negative = learned). */
    FORGETTING("forgetting", "Forgetting (task loss increase)", Unit.NATS_PER_TOKEN, Direction.HIGHER_IS_MORE_DRIFT,
            Range.ANY, Needs.TARGETS),
    /** Fraction of scored positions where the base's argmax is the target. */
    ACCURACY_BASE("accuracy_base", "Accuracy, base", Unit.FRACTION, Direction.NEUTRAL, Range.UNIT, Needs.TARGETS),
    /** Fraction of scored positions where the fine-tuned model's argmax is the target. */
    ACCURACY_FT("accuracy_ft", "Accuracy, fine-tuned", Unit.FRACTION, Direction.LOWER_IS_MORE_DRIFT, Range.UNIT,
            Needs.TARGETS),
    /** Accuracy drop: base accuracy minus fine-tuned accuracy, per example, in [-1, 1]. */
    ACCURACY_DROP("accuracy_drop", "Accuracy drop", Unit.FRACTION, Direction.HIGHER_IS_MORE_DRIFT, Range.SIGNED_UNIT,
            Needs.TARGETS),
    /**
     * Sampled estimate of KL(fine-tuned || base) per sampled token with TRL's k1 = log q(x)/p(x), x drawn
     * from the fine-tuned model on prompt probes; unbiased, high variance, can be negative. nats/token.
     */
    KL_FT_BASE_K1("kl_ft_base_k1", "KL(fine-tuned ‖ base), sampled estimate k1", Unit.NATS_PER_TOKEN,
            Direction.HIGHER_IS_MORE_DRIFT, Range.ANY, Needs.SAMPLES),
    /**
     * The same with TRL's k3 = (p/q - 1) - log(p/q): unbiased, never negative, lower variance under moderate
     * drift; under strong drift it falls short, with its interval, on samples of a few hundred sequences
     * (docs/metrics.md): alert on {@link #KL_FT_BASE_SAMPLED} instead. nats/token.
     */
    KL_FT_BASE_K3("kl_ft_base_k3", "KL(fine-tuned ‖ base), sampled estimate k3", Unit.NATS_PER_TOKEN,
            Direction.HIGHER_IS_MORE_DRIFT, Range.NON_NEGATIVE, Needs.SAMPLES),
    /** k1 summed over a sampled continuation, nats/sequence. */
    KL_FT_BASE_K1_SEQ("kl_ft_base_k1_seq", "KL(fine-tuned ‖ base) per sampled sequence, estimate k1",
            Unit.NATS_PER_SEQUENCE, Direction.HIGHER_IS_MORE_DRIFT, Range.ANY, Needs.SAMPLES),
    /** k3 summed over a sampled continuation, nats/sequence. */
    KL_FT_BASE_K3_SEQ("kl_ft_base_k3_seq", "KL(fine-tuned ‖ base) per sampled sequence, estimate k3",
            Unit.NATS_PER_SEQUENCE, Direction.HIGHER_IS_MORE_DRIFT, Range.NON_NEGATIVE, Needs.SAMPLES),
    /**
     * KL(fine-tuned || base) at the contexts sampled for k1 and k3, exact over the vocabulary at each (what
     * both estimate, given the contexts): the same expectation with less variance, and none of k3's
     * shortfall under strong drift. nats/token.
     */
    KL_FT_BASE_SAMPLED("kl_ft_base_sampled", "KL(fine-tuned ‖ base) at sampled contexts, exact over the vocabulary",
            Unit.NATS_PER_TOKEN, Direction.HIGHER_IS_MORE_DRIFT, Range.NON_NEGATIVE, Needs.SAMPLES);

    /** The headline drift metric. */
    public static final Metric HEADLINE = KL_BASE_FT;

    /** What any metric name on the wire must match, known or not. */
    public static final String NAME_RULE = "[a-z][a-z0-9_]{0,63}";

    private static final Pattern NAME = Pattern.compile(NAME_RULE);
    private static final Map<String, Metric> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Metric::wireName, Function.identity()));

    /** The unit a metric's values are stated in. */
    public enum Unit {
        /** Nats per scored position (per example for a classifier). */
        NATS_PER_TOKEN("nats/token"),
        /** Nats summed over a sequence's scored positions. */
        NATS_PER_SEQUENCE("nats/sequence"),
        /** A fraction in [0, 1]. */
        FRACTION("fraction");

        private final String symbol;

        Unit(String symbol) {
            this.symbol = symbol;
        }

        /**
         * Returns the unit as shown next to values.
         *
         * @return e.g. {@code nats/token}
         */
        public String symbol() {
            return symbol;
        }
    }

    /** Which way a metric moves when the model drifts away from its base. */
    public enum Direction {
        /** Larger values mean more drift (divergences, distances). */
        HIGHER_IS_MORE_DRIFT,
        /** Smaller values mean more drift (agreement). */
        LOWER_IS_MORE_DRIFT,
        /** Describes the distributions rather than their distance (entropies). */
        NEUTRAL
    }

    /** What a probe set must have for a metric to be measured. */
    public enum Needs {
        /** Every probe set. */
        ANY_PROBES,
        /** Sequence probes (the per-sequence sums). */
        SEQUENCES,
        /** Probes with targets: class labels or next tokens (task loss, accuracy, forgetting). */
        TARGETS,
        /**
         * Continuations sampled from the fine-tuned model on prompt probes: sampled estimates, not exact
         * measurements (temperature and seed are in the run's config).
         */
        SAMPLES
    }

    /**
     * The closed interval a metric's values lie in, up to a relative rounding slack of 1e-9 above the
     * maximum.
     *
     * @param min smallest valid value
     * @param max largest valid value ({@code +Infinity} when unbounded)
     * @param belowRule the rule a value below {@code min} breaks, as stated in a 400 answer
     * @param aboveRule the rule a value above {@code max} breaks
     */
    public record Range(double min, double max, String belowRule, String aboveRule) {

        /** Non-negative and finite. */
        public static final Range NON_NEGATIVE = new Range(0, Double.POSITIVE_INFINITY,
                "must be a finite number >= 0", "must be a finite number >= 0");
        /** [0, 1]. */
        public static final Range UNIT = new Range(0, 1, "must be in [0, 1]", "must be in [0, 1]");
        /** [-1, 1], a difference of two fractions. */
        public static final Range SIGNED_UNIT = new Range(-1, 1, "must be in [-1, 1]", "must be in [-1, 1]");
        /** Any finite number, e.g. a difference of two losses. */
        public static final Range ANY = new Range(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, null, null);
        /** [0, ln 2], the range of the Jensen-Shannon divergence in nats. */
        public static final Range LN2 = new Range(0, Math.log(2), "must be a finite number >= 0", "must be <= ln 2");

        private static final double SLACK = 1e-9;

        /**
         * Tells whether a finite value lies in the range.
         *
         * @param value the value
         * @return true when valid
         */
        public boolean contains(double value) {
            return violation(value) == null;
        }

        /**
         * Returns the violated rule, or null when the value is in range.
         *
         * @param value a finite value
         * @return null or the rule text
         */
        public String violation(double value) {
            if (value < min) {
                return belowRule;
            }
            return value > max + SLACK * Math.abs(max) ? aboveRule : null;
        }

        /**
         * Returns the range as the API reference and the OpenAPI description write it.
         *
         * @return {@code ≥ 0}, {@code [0, 1]}, {@code [0, ln 2]}, {@code [-1, 1]} or {@code any}
         */
        public String text() {
            if (Double.isInfinite(min) && Double.isInfinite(max)) {
                return "any";
            }
            if (Double.isInfinite(max)) {
                return "≥ " + number(min);
            }
            return "[" + number(min) + ", " + (Math.abs(max - Math.log(2)) < 1e-12 ? "ln 2" : number(max)) + "]";
        }

        private static String number(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }

    private final String wireName;
    private final String label;
    private final Unit unit;
    private final Direction direction;
    private final Range range;
    private final Needs needs;

    Metric(String wireName, String label, Unit unit, Direction direction, Range range, Needs needs) {
        this.wireName = wireName;
        this.label = label;
        this.unit = unit;
        this.direction = direction;
        this.range = range;
        this.needs = needs;
    }

    /**
     * Returns the name on the wire, in the API and in stored JSON.
     *
     * @return e.g. {@code kl_base_ft}
     */
    public String wireName() {
        return wireName;
    }

    /**
     * Returns what a user reads in the metric picker and in alert texts.
     *
     * @return e.g. {@code Jensen–Shannon}
     */
    public String label() {
        return label;
    }

    /**
     * Returns the unit.
     *
     * @return the unit
     */
    public Unit unit() {
        return unit;
    }

    /**
     * Returns which way the metric moves with drift.
     *
     * @return the direction
     */
    public Direction direction() {
        return direction;
    }

    /**
     * Returns the valid range of every statistic of the metric.
     *
     * @return the range
     */
    public Range range() {
        return range;
    }

    /**
     * Returns what a probe set needs for the metric to be measured.
     *
     * @return any probes, sequences or targets
     */
    public Needs needs() {
        return needs;
    }

    /**
     * Tells whether the metric exists only for sequence probes (the {@code _seq} sums).
     *
     * @return true for sequence sums
     */
    public boolean perSequence() {
        return needs == Needs.SEQUENCES;
    }

    /**
     * Tells whether the metric is a divergence (KL, JS and their sequence sums).
     *
     * @return true for divergences
     */
    public boolean isDivergence() {
        return wireName.startsWith("kl_") || this == JS;
    }

    /**
     * Looks a metric up by its wire name.
     *
     * @param wireName e.g. {@code js}
     * @return the metric, or empty for a name this contract does not know
     */
    public static Optional<Metric> byName(String wireName) {
        return Optional.ofNullable(BY_NAME.get(wireName));
    }

    /**
     * Tells whether a name is a valid metric name on the wire, known or not ({@link #NAME_RULE}).
     *
     * @param name the name
     * @return true when well-formed
     */
    public static boolean isWellFormed(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Returns the metrics measured for a probe set, in display order.
     *
     * @param sequence whether the probes are sequences (then the {@code _seq} sums are included)
     * @param targets whether the probes carry targets (then task loss, accuracy and forgetting are)
     * @return the metrics
     */
    public static List<Metric> measured(boolean sequence, boolean targets) {
        return Arrays.stream(values()).filter(m -> m.needs == Needs.ANY_PROBES
                || (sequence && m.needs == Needs.SEQUENCES) || (targets && m.needs == Needs.TARGETS)).toList();
    }

    /**
     * Returns the metrics of a given need, in display order.
     *
     * @param needs what the probes need
     * @return the metrics
     */
    public static List<Metric> needing(Needs needs) {
        return Arrays.stream(values()).filter(m -> m.needs == needs).toList();
    }

    /**
     * Returns the wire names of the given metrics.
     *
     * @param metrics the metrics
     * @return their wire names, in the same order
     */
    public static List<String> wireNames(List<Metric> metrics) {
        return metrics.stream().map(Metric::wireName).toList();
    }

    /**
     * Returns every known wire name, in display order.
     *
     * @return the names
     */
    public static List<String> allWireNames() {
        return wireNames(List.of(values()));
    }
}
