package dev.driftwatch.monitor.query;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Scalar;
import dev.driftwatch.contract.Statistic;
import dev.driftwatch.monitor.problem.ApiProblem;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A plottable value of a checkpoint, parsed from the query parameters {@code metric} and {@code stat},
 * and the SQL that reads it from a {@code checkpoint} row. Only validated names reach the SQL text;
 * JSON keys go in as bind parameters.
 *
 * <ul>
 *   <li>a distribution metric ({@link Metric}: {@code kl_base_ft}, {@code js}, ...) with a statistic
 *       ({@link Statistic}: {@code mean}, {@code p50}, ...); the headline {@code kl_base_ft} is read from
 *       its own columns, the others from the jsonb;
 *   <li>a scalar ({@link Scalar}: {@code global_relative_l2}, {@code trainable_fraction},
 *       {@code train_loss}, {@code validate_loss}), one column each;
 *   <li>any other well-formed name: a newer plugin's metric (read like a distribution metric, without a
 *       unit), else a task metric the trainer reports under that name ({@code validate_accuracy}).
 * </ul>
 *
 * <p>The spellings of earlier versions are answered with these names: {@code param:globalRelativeL2},
 * {@code param:trainableFraction}, {@code task:<name>} (which reads only the task metrics, of any name).
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
    /** The {@code checkpoint} column of each scalar. */
    private static final Map<Scalar, String> SCALAR_COLUMNS = Map.of(
            Scalar.GLOBAL_RELATIVE_L2, "global_relative_l2",
            Scalar.TRAINABLE_FRACTION, "trainable_fraction",
            Scalar.TRAIN_LOSS, "train_loss",
            Scalar.VALIDATE_LOSS, "validate_loss");

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
            metric = Metric.HEADLINE.wireName();
        }
        // an earlier version's spelling (param:globalRelativeL2, task:<name>) is answered with the current name
        boolean taskOnly = metric.startsWith(Scalar.OLD_TASK_PREFIX);
        String name = Scalar.currentName(metric);
        Optional<Scalar> scalar = Scalar.byName(name);
        if (scalar.isPresent()) {
            return new MetricRef(name, null, scalar.get().unit(), SCALAR_COLUMNS.get(scalar.get()), List.of());
        }
        if (taskOnly) {
            // any name ingestion takes: it is only ever a bind parameter
            if (name.isEmpty() || name.length() > CheckpointReport.MAX_TASK_METRIC_NAME) {
                throw ApiProblem.invalid("metric", "task metric name must have 1 to "
                        + CheckpointReport.MAX_TASK_METRIC_NAME + " characters");
            }
            return new MetricRef(name, null, "", "(task_metrics ->> ?)::float8", List.of(name));
        }
        if (!Metric.isWellFormed(name)) {
            throw ApiProblem.invalid("metric", "must be a metric name (docs/api/README.md#metrics): one of "
                    + String.join(", ", Metric.allWireNames()) + ", " + String.join(", ", Scalar.allWireNames())
                    + ", or a task metric's name");
        }
        String s = stat == null || stat.isBlank() ? Statistic.MEAN.wireName() : stat;
        Statistic statistic = Statistic.byName(s).orElseThrow(() ->
                ApiProblem.invalid("stat", "must be one of " + String.join(", ", Statistic.allWireNames())));
        if (name.equals(Metric.HEADLINE.wireName())) {
            return new MetricRef(name, s, unit(name), HEADLINE_COLUMNS.get(statistic.ordinal()), List.of());
        }
        String distribution = "(metrics -> ? ->> " + statistic.storedIndex() + ")::float8";
        if (Metric.byName(name).isPresent() || statistic != Statistic.MEAN) {
            return new MetricRef(name, s, unit(name), distribution, List.of(name));
        }
        // a name the contract does not know: a newer plugin's metric, else a task metric the trainer reports
        return new MetricRef(name, s, "", "COALESCE(" + distribution + ", (task_metrics ->> ?)::float8)",
                List.of(name, name));
    }

    /**
     * Tells whether the contract knows the metric (a {@link Metric} or a {@link Scalar}); else it is a
     * newer plugin's metric or a task metric, known only from the stored checkpoints.
     *
     * @return true for the contract's names
     */
    public boolean known() {
        return Metric.byName(metric).isPresent() || Scalar.byName(metric).isPresent();
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
