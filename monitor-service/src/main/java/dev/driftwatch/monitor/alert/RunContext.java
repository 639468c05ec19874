package dev.driftwatch.monitor.alert;

import java.util.function.IntFunction;

/**
 * What a condition sees of its run around the checkpoint it evaluates, beyond the checkpoint itself:
 * earlier checkpoints ({@code rate}), the run's flags ({@code flag}) and its drift forecast
 * ({@code forecast}). A rule type that needs more of the run adds it here, filled in by
 * {@link AlertEvaluator}.
 *
 * @param back returns the valid checkpoint {@code n} checkpoints before the current one, or null
 * @param flags the run's flags, or null when they do not apply to this checkpoint (flag conditions are
 *     only evaluated at the newest checkpoint of an upload)
 * @param forecasts the run's drift forecast as of each of its checkpoints
 */
record RunContext(IntFunction<MetricSource> back, ConditionEvaluator.RunFlags flags,
        DriftForecasts.RunForecasts forecasts) {}
