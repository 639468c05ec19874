package dev.driftwatch.monitor.query;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Statistic;
import dev.driftwatch.monitor.problem.ApiProblem;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A plottable value of a checkpoint, parsed from the query parameters {@code metric} and {@code stat},
 * and the SQL that reads it from a {@code checkpoint} row. Only validated names reach the SQL text;
 * JSON keys go in as bind parameters.
 *
 * <ul>
 *   <li>a distribution metric ({@link Metric}: {@code kl_base_ft}, {@code js}, ...) with a statistic
 *       ({@link Statistic}: {@code mean}, {@code p50}, ...); the headline {@code kl_base_ft} is read from
 *       its own columns, the others from the jsonb. A well-formed name the contract does not know (a
 *       newer plugin's metric) is read the same way, without a unit;
 *   <li>{@code task:<name>}, a trainer metric such as {@code task:validate_loss};
 *   <li>{@code param:globalRelativeL2} or {@code param:trainableFraction}.
 * </ul>
 *
 * @param metric the metric name as given
 * @param stat the statistic (for distribution metrics), else null
 * @param unit the unit shown next to the values
 * @param sql the SQL expression over a {@code checkpoint} row, with {@code ?} for {@link #args}
 * @param args the bind parameters of {@link #sql}
 */
public record MetricRef(String metric, String stat, String unit, String sql, List<Object> args) {

    private static final List<String> HEADLINE_COLUMNS =
            List.of("kl_mean", "kl_p50", "kl_p90", "kl_p99", "kl_max", "kl_ci_low", "kl_ci_high");
    private static final Pattern TASK_NAME = Pattern.compile("[^\\s]{1,64}");

    /**
     * Parses the query parameters.
     *
     * @param metric the metric parameter
     * @param stat the stat parameter, null for {@code mean}
     * @return the reference
     * @throws ApiProblem 400 naming the parameter at fault
     */
    public static MetricRef parse(String metric, String stat) {
        if (metric == null || metric.isBlank()) {
            metric = "kl_base_ft";
        }
        if (metric.startsWith("task:")) {
            String name = metric.substring(5);
            if (!TASK_NAME.matcher(name).matches()) {
                throw ApiProblem.invalid("metric", "task metric name must have 1 to 64 characters");
            }
            return switch (name) {
                case "train_loss" -> new MetricRef(metric, null, "", "train_loss", List.of());
                case "validate_loss" -> new MetricRef(metric, null, "", "validate_loss", List.of());
                default -> new MetricRef(metric, null, "", "(task_metrics ->> ?)::float8", List.of(name));
            };
        }
        if (metric.equals("param:globalRelativeL2")) {
            return new MetricRef(metric, null, "ratio", "global_relative_l2", List.of());
        }
        if (metric.equals("param:trainableFraction")) {
            return new MetricRef(metric, null, "fraction", "trainable_fraction", List.of());
        }
        if (!Metric.isWellFormed(metric)) {
            throw ApiProblem.invalid("metric", "must be a metric name such as " + String.join(", ", Metric.allWireNames())
                    + ", task:<name>, param:globalRelativeL2 or param:trainableFraction");
        }
        String s = stat == null || stat.isBlank() ? Statistic.MEAN.wireName() : stat;
        Statistic statistic = Statistic.byName(s).orElseThrow(() ->
                ApiProblem.invalid("stat", "must be one of " + String.join(", ", Statistic.allWireNames())));
        if (metric.equals(Metric.HEADLINE.wireName())) {
            return new MetricRef(metric, s, unit(metric), HEADLINE_COLUMNS.get(statistic.ordinal()), List.of());
        }
        return new MetricRef(metric, s, unit(metric), "(metrics -> ? ->> " + statistic.storedIndex() + ")::float8",
                List.of(metric));
    }

    /**
     * Tells whether the metric is a summary with a confidence interval.
     *
     * @return true for distribution metrics
     */
    public boolean hasCi() {
        return stat != null;
    }

    /**
     * Returns the same metric with another statistic.
     *
     * @param otherStat e.g. {@code ciLow}
     * @return the reference
     */
    public MetricRef withStat(String otherStat) {
        return parse(metric, otherStat);
    }

    /**
     * Returns the unit of a distribution metric.
     *
     * @param metric the name
     * @return nats/token, nats/sequence or fraction; empty for a metric the contract does not know
     */
    public static String unit(String metric) {
        return Metric.byName(metric).map(m -> m.unit().symbol()).orElse("");
    }

    /**
     * Returns the statistic (for distribution metrics).
     *
     * @return the statistic, or null for scalars
     */
    public Statistic statistic() {
        return stat == null ? null : Statistic.byName(stat).orElseThrow();
    }
}
