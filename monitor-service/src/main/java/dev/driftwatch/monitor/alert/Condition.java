package dev.driftwatch.monitor.alert;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What a rule checks at every checkpoint. Which fields matter depends on {@link #type()}:
 *
 * <ul>
 *   <li>{@code threshold}: {@code metric}'s {@code aggregate} (of the whole probe set, one
 *       {@code slice}, or every slice with {@code "*"}) is {@code op} ({@code above}/{@code below})
 *       {@code threshold}; with {@code ciAware} the CI bound on the far side is compared instead of the
 *       mean (above: {@code ciLow > threshold}, below: {@code ciHigh < threshold}).
 *   <li>{@code rate}: the change of that value over the last {@code window} checkpoints
 *       ({@code value(now) - value(window - 1 checkpoints before)}) is {@code op} {@code threshold}.
 *   <li>{@code off_task}: like {@code threshold}, for every slice whose label starts with
 *       {@code off-task}, one alert per slice.
 *   <li>{@code concentrated}: one slice's value is at least {@code factor} times the mean over all
 *       slices (and, when set, at least {@code threshold}).
 *   <li>{@code flag}: the run is flagged parameter-heavy and drifts-far at once.
 *   <li>{@code forecast}: the lower bound of the 95% forecast of the headline KL at the run's planned
 *       final step (config {@code plannedSteps}; docs/forgetting.md) is above {@code threshold}, the
 *       drift budget: the run is heading over it, though its drift may still be below.
 * </ul>
 *
 * @param type {@code threshold}, {@code rate}, {@code off_task}, {@code concentrated}, {@code flag} or
 *     {@code forecast}
 * @param metric a metric name ({@link MetricNames#ALL}); null for {@code flag}
 * @param aggregate {@code mean}, {@code p50}, {@code p90}, {@code p99}, {@code max}, {@code ciLow} or
 *     {@code ciHigh}; null for scalar metrics and {@code flag}
 * @param slice null for the whole probe set, a slice label, or {@code "*"} for each slice
 * @param op {@code above} or {@code below}; null for {@code concentrated} and {@code flag}
 * @param threshold the threshold (for {@code rate}: the change), optional floor for
 *     {@code concentrated}
 * @param ciAware compare the CI bound instead of the mean ({@code threshold} and {@code off_task})
 * @param window checkpoints of the {@code rate} window, 2 to 1000
 * @param factor for {@code concentrated}: the multiple of the mean over slices, > 1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
        String type,
        String metric,
        String aggregate,
        String slice,
        String op,
        Double threshold,
        Boolean ciAware,
        Integer window,
        Double factor) {

    /** Condition type: compare a value with a threshold. */
    public static final String THRESHOLD = "threshold";
    /** Condition type: change over a window of checkpoints. */
    public static final String RATE = "rate";
    /** Condition type: drift on off-task slices. */
    public static final String OFF_TASK = "off_task";
    /** Condition type: drift concentrated in one slice. */
    public static final String CONCENTRATED = "concentrated";
    /** Condition type: the run is parameter-heavy and drifts far. */
    public static final String FLAG = "flag";
    /** Condition type: the forecast of the headline KL at the planned final step exceeds a budget. */
    public static final String FORECAST = "forecast";
    /** Every condition type, in the order a form offers them. */
    public static final List<String> TYPES = List.of(THRESHOLD, RATE, OFF_TASK, CONCENTRATED, FLAG, FORECAST);
    /** The comparison operators. */
    public static final List<String> OPS = List.of("above", "below");
    /** The {@code slice} value that makes one alert per slice. */
    public static final String EACH_SLICE = "*";
    /** Slices whose label starts with this are off-task. */
    public static final String OFF_TASK_PREFIX = "off-task";

    /**
     * Not named like a getter, so JSON binding sees only the {@code ciAware} component.
     *
     * @return true when the CI bound is compared instead of the value
     */
    public boolean checksCiBound() {
        return Boolean.TRUE.equals(ciAware);
    }

    /** @return true for {@code op = above} */
    public boolean wantsAbove() {
        return "above".equals(op);
    }
}
