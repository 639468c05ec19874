package dev.driftwatch.contract;

import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The statistics of a {@link MetricSummary}, in wire order: every metric of a checkpoint (and of each
 * slice) carries all seven. The service stores a summary as the array {@code [count, mean, p50, p90,
 * p99, max, ciLow, ciHigh]}; {@link #storedIndex()} is a statistic's position in it.
 */
public enum Statistic implements WireNamed {

    /** Mean of the per-example values. */
    MEAN("mean", MetricSummary::mean),
    /** Median. */
    P50("p50", MetricSummary::p50),
    /** 90th percentile. */
    P90("p90", MetricSummary::p90),
    /** 99th percentile. */
    P99("p99", MetricSummary::p99),
    /** Largest per-example value. */
    MAX("max", MetricSummary::max),
    /** Lower bound of the bootstrap 95% confidence interval of the mean. */
    CI_LOW("ciLow", MetricSummary::ciLow),
    /** Upper bound of that interval. */
    CI_HIGH("ciHigh", MetricSummary::ciHigh);

    private final String wireName;
    private final ToDoubleFunction<MetricSummary> reader;

    Statistic(String wireName, ToDoubleFunction<MetricSummary> reader) {
        this.wireName = wireName;
        this.reader = reader;
    }

    /**
     * Returns the name on the wire and in the query API.
     *
     * @return e.g. {@code ciLow}
     */
    public String wireName() {
        return wireName;
    }

    /**
     * Returns the statistic's position in the stored array, after {@code count} at 0.
     *
     * @return 1 for {@code mean} ... 7 for {@code ciHigh}
     */
    public int storedIndex() {
        return ordinal() + 1;
    }

    /**
     * Reads this statistic of a summary.
     *
     * @param summary the summary
     * @return the value
     */
    public double of(MetricSummary summary) {
        return reader.applyAsDouble(summary);
    }

    /**
     * Looks a statistic up by its wire name.
     *
     * @param wireName e.g. {@code p90}
     * @return the statistic, or empty
     */
    public static Optional<Statistic> byName(String wireName) {
        return WireNamed.byName(Statistic.class, wireName);
    }

    /**
     * Returns every wire name, in wire order.
     *
     * @return the names
     */
    public static List<String> allWireNames() {
        return WireNamed.wireNames(Statistic.class);
    }
}
