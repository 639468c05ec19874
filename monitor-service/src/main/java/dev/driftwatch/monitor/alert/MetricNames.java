package dev.driftwatch.monitor.alert;

import java.util.List;

/** The metrics a rule may watch and the aggregates of a summary metric. */
public final class MetricNames {

    /** Summary metrics of the wire format (docs/api/ingestion.md), per checkpoint and per slice. */
    public static final List<String> SUMMARY = List.of("kl_base_ft", "kl_ft_base", "js", "tv", "top1_agree",
            "entropy_base", "entropy_ft", "kl_base_ft_seq", "kl_ft_base_seq");

    /** One number per checkpoint: parameter drift and the task losses (no aggregate, no slices). */
    public static final List<String> SCALAR = List.of("global_relative_l2", "trainable_fraction", "train_loss",
            "validate_loss");

    /** Every metric a rule may name. */
    public static final List<String> ALL = java.util.stream.Stream.concat(SUMMARY.stream(), SCALAR.stream()).toList();

    /** The aggregates of a summary metric. */
    public static final List<String> AGGREGATES = List.of("mean", "p50", "p90", "p99", "max", "ciLow", "ciHigh");

    /** The headline metric, the default of off-task and concentrated rules. */
    public static final String HEADLINE = "kl_base_ft";

    private MetricNames() {}
}
