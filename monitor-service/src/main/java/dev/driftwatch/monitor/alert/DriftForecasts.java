package dev.driftwatch.monitor.alert;

/**
 * The drift forecast a {@code forecast} rule watches: a run's headline KL forecast at its planned final
 * step from its checkpoints so far (docs/forgetting.md, "Forecasting a run's drift"), the forecast the
 * run page draws. A port: the forgetting package, which owns the forecast, implements it, so alerting
 * does not depend on forgetting (no package cycle, ArchitectureTest).
 */
public interface DriftForecasts {

    /**
     * Returns a run's forecasts, reading what they need (its planned final step and its checkpoints) at
     * most once, on the first forecast asked for.
     *
     * @param runId the run
     * @return its forecasts as of each of its checkpoints
     */
    RunForecasts of(long runId);

    /** One run's forecasts. */
    @FunctionalInterface
    interface RunForecasts {

        /**
         * Forecasts the run's headline KL at its planned final step (at the latest checkpoint once the run
         * went past it) from its valid checkpoints up to a step.
         *
         * @param upTo the step of the checkpoint being evaluated; later checkpoints are not used
         * @param quantile the quantile of the forecast distribution wanted, in (0, 1)
         * @return the forecast, or why there is none
         */
        Outlook upTo(long upTo, double quantile);
    }

    /**
     * A forecast as a rule sees it, or why there is none.
     *
     * @param finalStep the step forecast for, or null when the run states no planned final step
     * @param value the wanted quantile of the forecast KL at {@code finalStep}, or null without a forecast
     * @param median the forecast's median, or null without a forecast
     * @param points the checkpoints the forecast used
     * @param lastStep the latest step it used
     * @param missing why there is no forecast, or null when there is one
     */
    record Outlook(Long finalStep, Double value, Double median, int points, long lastStep, String missing) {

        /**
         * A forecast.
         *
         * @param finalStep the step forecast for
         * @param value the wanted quantile
         * @param median the median
         * @param points the checkpoints used
         * @param lastStep the latest step used
         * @return the outlook
         */
        public static Outlook of(long finalStep, double value, double median, int points, long lastStep) {
            return new Outlook(finalStep, value, median, points, lastStep, null);
        }

        /**
         * No forecast.
         *
         * @param finalStep the planned final step, or null when the run states none
         * @param why the reason, in words
         * @return the outlook
         */
        public static Outlook none(Long finalStep, String why) {
            return new Outlook(finalStep, null, null, 0, 0, why);
        }
    }
}
