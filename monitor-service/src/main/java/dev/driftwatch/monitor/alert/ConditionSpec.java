package dev.driftwatch.monitor.alert;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A condition as JSON carries it (API bodies, the stored rule, the UI form): one flat object whose
 * {@code type} says which fields apply. {@link #toCondition()} checks it and builds the typed
 * {@link Condition}; every typed condition writes itself back as this shape.
 *
 * @param type {@code threshold}, {@code rate}, {@code off_task}, {@code concentrated}, {@code flag} or
 *     {@code forecast} ({@link ConditionType})
 * @param metric a metric name ({@link MetricNames#ALL}); null for {@code flag} and {@code forecast}
 * @param aggregate {@code mean}, {@code p50}, {@code p90}, {@code p99}, {@code max}, {@code ciLow} or
 *     {@code ciHigh}; null for scalar metrics and {@code flag}
 * @param slice null for the whole probe set, a slice label, or {@code "*"} for each slice
 * @param op {@code above} or {@code below}; null for {@code concentrated} and {@code flag}
 * @param threshold the threshold (for {@code rate}: the change; for {@code forecast}: the drift budget),
 *     optional floor for {@code concentrated}
 * @param ciAware compare the CI bound instead of the mean ({@code threshold} and {@code off_task})
 * @param window checkpoints of the {@code rate} window, 2 to 1000
 * @param factor for {@code concentrated}: the multiple of the mean over slices, > 1
 * @param quantile for {@code forecast}: the quantile of the forecast compared with the budget, in (0, 1);
 *     default 0.025, the lower bound of the forecast's 95% interval
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConditionSpec(
        String type,
        String metric,
        String aggregate,
        String slice,
        String op,
        Double threshold,
        Boolean ciAware,
        Integer window,
        Double factor,
        Double quantile) {

    /**
     * Checks the spec and builds its typed condition.
     *
     * @return the condition
     * @throws dev.driftwatch.monitor.problem.ApiProblem 400 naming every field at fault ({@code condition.*})
     */
    public Condition toCondition() {
        ConditionReader reader = new ConditionReader(this);
        Condition c = reader.read();
        reader.throwIfProblems();
        return c;
    }

    /**
     * Not named like a getter, so JSON binding sees only the {@code ciAware} component.
     *
     * @return true when the CI bound is compared instead of the value
     */
    public boolean checksCiBound() {
        return Boolean.TRUE.equals(ciAware);
    }
}
