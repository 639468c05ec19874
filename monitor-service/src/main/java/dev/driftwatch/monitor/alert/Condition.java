package dev.driftwatch.monitor.alert;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * What a rule checks at every checkpoint: one record per rule type ({@link ConditionType}), each
 * holding only the fields its type uses, reading and checking itself from a {@link ConditionSpec}
 * (Bean Validation for its ranges), evaluating itself on a checkpoint and describing itself in words.
 *
 * <p>In JSON (API, storage, forms) a condition is its flat {@link #toSpec() spec}.
 */
public sealed interface Condition
        permits ThresholdCondition, RateCondition, OffTaskCondition, ConcentratedCondition, FlagCondition,
        ForecastCondition {

    /** The {@code slice} value that makes one alert per slice. */
    String EACH_SLICE = "*";
    /** Slices whose label starts with this are off-task. */
    String OFF_TASK_PREFIX = "off-task";

    /**
     * Returns the rule type.
     *
     * @return the type
     */
    ConditionType type();

    /**
     * Returns the condition as JSON carries it.
     *
     * @return the flat spec
     */
    @JsonValue
    ConditionSpec toSpec();

    /**
     * Evaluates the condition on one checkpoint.
     *
     * @param now the checkpoint
     * @param run what the condition may see of the run beyond the checkpoint
     * @return one observation per alert instance with data; none when the checkpoint lacks the numbers
     */
    List<ConditionEvaluator.Observation> observe(MetricSource now, RunContext run);

    /**
     * Describes the condition in words, e.g. {@code lower CI bound of kl_base_ft mean > 0.5}.
     *
     * @return the description
     */
    String describe();
}
