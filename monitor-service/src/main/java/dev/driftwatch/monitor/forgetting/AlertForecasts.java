package dev.driftwatch.monitor.forgetting;

import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.monitor.alert.DriftForecasts;
import java.util.Arrays;
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
            return Outlook.none(t.plannedSteps(), PowerLawForecast.usablePoints(steps, kl)
                    + " checkpoints with drift so far, a forecast needs " + PowerLawForecast.MIN_POINTS);
        }
        return Outlook.of(p.horizon(), p.law().quantile(p.horizon(), quantile), p.law().quantile(p.horizon(), 0.5),
                p.law().points(), p.law().lastStep());
    }
}
