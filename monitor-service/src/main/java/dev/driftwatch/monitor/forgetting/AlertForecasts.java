package dev.driftwatch.monitor.forgetting;

import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.monitor.alert.DriftForecasts;
import java.util.Arrays;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * The drift forecasts the {@code forecast} alert rule watches, made exactly as the run page's
 * ({@link ForgettingService#project}): the run's trajectory is read once per upload, and each
 * checkpoint's forecast uses the valid checkpoints up to it.
 */
@Component
class AlertForecasts implements DriftForecasts {

    static final String NO_PLANNED_STEPS = "the run states no planned final step (config "
            + RunInfo.PLANNED_STEPS + ")";

    private final ForgettingService forgetting;

    AlertForecasts(ForgettingService forgetting) {
        this.forgetting = forgetting;
    }

    @Override
    public RunForecasts of(long runId) {
        ForgettingService.Trajectory[] read = new ForgettingService.Trajectory[1];
        return (upTo, quantile) -> {
            if (read[0] == null) {
                read[0] = forgetting.trajectory(runId);
            }
            return outlook(read[0], upTo, quantile);
        };
    }

    /** The forecast from a trajectory's checkpoints up to a step. */
    static Outlook outlook(ForgettingService.Trajectory t, long upTo, double quantile) {
        if (t.plannedSteps() == null) {
            return Outlook.none(null, NO_PLANNED_STEPS);
        }
        int k = 0;
        while (k < t.steps().length && t.steps()[k] <= upTo) {
            k++;
        }
        long[] steps = Arrays.copyOf(t.steps(), k);
        double[] kl = Arrays.copyOf(t.kl(), k);
        ForgettingService.Projection p = ForgettingService.project(t.plannedSteps(), steps, kl);
        if (p.law() == null) {
            return Outlook.none(t.plannedSteps(), p.missing());
        }
        PowerLawForecast law = p.law();
        long h = p.horizon();
        if (quantile >= 0.5) {
            // the run page's forecast: its median, its 95% interval and whether that is informative
            PowerLawForecast.Forecast page = law.at(h);
            if (page == null) {
                return Outlook.none(h, PowerLawForecast.BEYOND_DOUBLES);
            }
            if (!page.informative()) {
                // A median or an upper bound from an interval of orders of magnitude is a guess between laws the
                // checkpoints cannot tell apart yet (the run page says "too uncertain to use"): a rule on it would
                // fire on many runs' early checkpoints. A lower bound stays one: a budget below even that is worth
                // a warning.
                return Outlook.none(h, String.format(Locale.ROOT, "the forecast is too uncertain to use"
                        + " (95%% interval %.3g to %.3g, median %.3g, from %d checkpoints)", page.low(), page.high(),
                        page.estimate(), page.points()));
            }
            double value = quantile == 0.5 ? page.estimate() : law.quantile(h, quantile);
            return finite(h, value, page.estimate(), law);
        }
        // a lower quantile needs neither the upper bound nor the informative test: two quantiles, not three (the
        // rule forecasts at every checkpoint of an upload)
        return finite(h, law.quantile(h, quantile), law.quantile(h, 0.5), law);
    }

    /**
     * A forecast of a quantile and the median, or none when either passes the largest double: a quantile far
     * out in a tail (0.9999999999999999) of a law fitted to a few checkpoints is e to the thousands, and a rule
     * compared Infinity with its budget and fired on a benign run.
     */
    private static Outlook finite(long h, double value, double median, PowerLawForecast law) {
        if (!Double.isFinite(value) || !Double.isFinite(median)) {
            return Outlook.none(h, PowerLawForecast.BEYOND_DOUBLES);
        }
        return Outlook.of(h, value, median, law.points(), law.lastStep());
    }
}
