package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Statistic;
import java.util.List;
import java.util.stream.Stream;

/**
 * The metrics a rule may watch: the contract's distribution metrics ({@link Metric}) and the scalars
 * of a checkpoint. A rule may not name a metric the contract does not know: a typo would make a rule
 * that never fires.
 */
public final class MetricNames {

    /** Summary metrics of the wire format, per checkpoint and per slice. */
    public static final List<String> SUMMARY = Metric.allWireNames();

    /** One number per checkpoint: parameter drift and the task losses (no aggregate, no slices). */
    public static final List<String> SCALAR = List.of("global_relative_l2", "trainable_fraction", "train_loss",
            "validate_loss");

    /** Every metric a rule may name. */
    public static final List<String> ALL = Stream.concat(SUMMARY.stream(), SCALAR.stream()).toList();

    /** The aggregates of a summary metric. */
    public static final List<String> AGGREGATES = Statistic.allWireNames();

    /** The headline metric, the default of off-task and concentrated rules. */
    public static final String HEADLINE = Metric.HEADLINE.wireName();

    private MetricNames() {}
}
