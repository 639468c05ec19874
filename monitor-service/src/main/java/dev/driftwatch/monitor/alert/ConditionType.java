package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.WireNamed;

import java.util.List;
import java.util.Optional;

/**
 * The rule types: each names its {@link Condition} record and how to read it from a
 * {@link ConditionSpec}. Adding a rule type is one record implementing {@link Condition} plus one
 * constant here (docs/architecture.md, "How to add a rule type").
 */
public enum ConditionType implements WireNamed {

    /** Compare a value with a threshold. */
    THRESHOLD("threshold", ThresholdCondition::read, 1),
    /** Change over a window of checkpoints. */
    RATE("rate", RateCondition::read, 1),
    /** Drift on off-task slices, one alert per slice. */
    OFF_TASK("off_task", OffTaskCondition::read, 1),
    /** Drift concentrated in one slice. */
    CONCENTRATED("concentrated", ConcentratedCondition::read, 1),
    /** The run is flagged parameter-heavy and drifts far. */
    FLAG("flag", FlagCondition::read, 1),
    /** The run's drift forecast at its planned final step exceeds a budget. */
    FORECAST("forecast", ForecastCondition::read, ForecastCondition.KEEP_FIRING_FOR);

    /** Reads one rule type's condition from its spec, recording what is wrong with it. */
    @FunctionalInterface
    interface Reader {
        /**
         * Reads the condition; the reader knows the spec and collects the problems.
         *
         * @param in the spec reader
         * @return the condition (possibly incomplete when there are problems)
         */
        Condition read(ConditionReader in);
    }

    private final String wireName;
    private final Reader reader;
    private final int keepFiringFor;

    ConditionType(String wireName, Reader reader, int keepFiringFor) {
        this.wireName = wireName;
        this.reader = reader;
        this.keepFiringFor = keepFiringFor;
    }

    /**
     * Returns the {@code keepFiringFor} of a rule of this type that does not say.
     *
     * @return consecutive checkpoints without the condition before a firing alert resolves
     */
    public int keepFiringFor() {
        return keepFiringFor;
    }

    /**
     * Returns the {@code type} in JSON.
     *
     * @return e.g. {@code off_task}
     */
    public String wireName() {
        return wireName;
    }

    Reader reader() {
        return reader;
    }

    /**
     * Looks a type up by its JSON name.
     *
     * @param wireName the name
     * @return the type, or empty
     */
    public static Optional<ConditionType> byName(String wireName) {
        return WireNamed.byName(ConditionType.class, wireName);
    }

    /**
     * Returns every JSON name, in the order a form offers them.
     *
     * @return the names
     */
    public static List<String> wireNames() {
        return WireNamed.wireNames(ConditionType.class);
    }
}
