package dev.driftwatch.contract;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The single numbers of a checkpoint, beside its {@link Metric distribution metrics}: how far the
 * parameters moved and the trainer's own losses. One value per checkpoint, so no statistic and no
 * slices. Their names are how every API, rule and chart names them, in the same style as the
 * metrics'; on the wire they are the fields {@code parameters.globalRelativeL2},
 * {@code parameters.trainableFraction} and the {@code taskMetrics} keys {@code train_loss},
 * {@code validate_loss}.
 */
public enum Scalar {

    /** ‖θ − θ0‖ / ‖θ0‖ over all trainable weights together: relative parameter drift, a ratio ≥ 0. */
    GLOBAL_RELATIVE_L2("global_relative_l2", "Parameter drift ‖θ−θ₀‖/‖θ₀‖ (trainable weights)", "ratio",
            Metric.Range.NON_NEGATIVE, "param:globalRelativeL2"),
    /** Trainable / total parameters, in [0, 1]. */
    TRAINABLE_FRACTION("trainable_fraction", "Trainable fraction of the parameters", "fraction", Metric.Range.UNIT,
            "param:trainableFraction"),
    /** The trainer's training loss, in the trainer's own unit (nats/example for cross-entropy). */
    TRAIN_LOSS("train_loss", "Training loss (the trainer's)", "", Metric.Range.ANY, "task:train_loss"),
    /** The trainer's validation loss, in the trainer's own unit (nats/example for cross-entropy). */
    VALIDATE_LOSS("validate_loss", "Validation loss (the trainer's)", "", Metric.Range.ANY, "task:validate_loss");

    /** The prefix of an old spelling of any task metric ({@code task:<name>}, now just {@code <name>}). */
    public static final String OLD_TASK_PREFIX = "task:";

    private static final Map<String, Scalar> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Scalar::wireName, Function.identity()));

    private final String wireName;
    private final String label;
    private final String unit;
    private final Metric.Range range;
    private final String oldSpelling;

    Scalar(String wireName, String label, String unit, Metric.Range range, String oldSpelling) {
        this.wireName = wireName;
        this.label = label;
        this.unit = unit;
        this.range = range;
        this.oldSpelling = oldSpelling;
    }

    /**
     * Returns the name every API, rule and chart uses.
     *
     * @return e.g. {@code global_relative_l2}
     */
    public String wireName() {
        return wireName;
    }

    /**
     * Returns a human-readable label.
     *
     * @return the label
     */
    public String label() {
        return label;
    }

    /**
     * Returns the unit as shown next to values.
     *
     * @return {@code ratio}, {@code fraction}, or empty for the trainer's own unit
     */
    public String unit() {
        return unit;
    }

    /**
     * Returns the values' range.
     *
     * @return the range
     */
    public Metric.Range range() {
        return range;
    }

    /**
     * Returns the spelling the query API used before the names were unified.
     *
     * @return e.g. {@code param:globalRelativeL2}
     */
    public String oldSpelling() {
        return oldSpelling;
    }

    /**
     * Looks a scalar up by its name.
     *
     * @param name e.g. {@code validate_loss}
     * @return the scalar, or empty
     */
    public static Optional<Scalar> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * Returns the name an old spelling stands for: {@code param:globalRelativeL2} →
     * {@code global_relative_l2}, {@code param:trainableFraction} → {@code trainable_fraction},
     * {@code task:<name>} → {@code <name>}; any other name as it is.
     *
     * @param name a metric name as given
     * @return the current name
     */
    public static String currentName(String name) {
        if (name == null) {
            return null;
        }
        for (Scalar s : values()) {
            if (s.oldSpelling.equals(name)) {
                return s.wireName;
            }
        }
        return name.startsWith(OLD_TASK_PREFIX) ? name.substring(OLD_TASK_PREFIX.length()) : name;
    }

    /**
     * Returns every scalar's name, in display order.
     *
     * @return the names
     */
    public static List<String> allWireNames() {
        return Arrays.stream(values()).map(Scalar::wireName).toList();
    }
}
