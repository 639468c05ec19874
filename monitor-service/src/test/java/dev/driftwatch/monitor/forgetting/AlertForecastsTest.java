package dev.driftwatch.monitor.forgetting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.alert.DriftForecasts.Outlook;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The forecasts the {@code forecast} alert rule sees: as of each checkpoint, from the checkpoints up to
 * it only, equal to the run page's forecast made from the same checkpoints; or why there is none.
 */
class AlertForecastsTest {

    private static final long PLANNED = 1000;

    /** drift = 0.02 (t + 30)^0.5 with a fixed wobble: 12 checkpoints, every 50 steps, one without drift. */
    private static ForgettingService.Trajectory trajectory(Long planned) {
        long[] steps = new long[12];
        double[] kl = new double[12];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = 50L * (i + 1);
            kl[i] = 0.02 * Math.sqrt(steps[i] + 30) * (1 + 0.04 * Math.sin(7.0 * i));
        }
        kl[2] = Double.NaN; // a valid checkpoint without the headline: not usable
        return new ForgettingService.Trajectory(planned, steps, kl);
    }

    @Test
    void eachCheckpointsForecastUsesTheCheckpointsUpToItAndIsTheRunPagesForecast() {
        ForgettingService.Trajectory t = trajectory(PLANNED);
        for (int k = 6; k <= 12; k++) {
            long upTo = t.steps()[k - 1];
            Outlook o = AlertForecasts.outlook(t, upTo + 10, 0.025); // between checkpoints: the same ones
            PowerLawForecast.Forecast page = PowerLawForecast.of(Arrays.copyOf(t.steps(), k),
                    Arrays.copyOf(t.kl(), k), PLANNED, ForgettingService.LEVEL);
            assertThat(o.missing()).isNull();
            assertThat(o.finalStep()).isEqualTo(PLANNED);
            assertThat(o.value()).as("lower bound from %d checkpoints", k).isEqualTo(page.low());
            assertThat(o.median()).isEqualTo(page.estimate());
            assertThat(o.points()).isEqualTo(k - 1);
            assertThat(o.lastStep()).isEqualTo(upTo);
        }
        Outlook median = AlertForecasts.outlook(t, 600, 0.5);
        assertThat(median.value()).isEqualTo(median.median());
        assertThat(AlertForecasts.outlook(t, 600, 0.9).value()).isGreaterThan(median.value());
    }

    @Test
    void withoutAPlannedStepOrEnoughCheckpointsThereIsNoForecastAndTheReasonSaysWhy() {
        Outlook unplanned = AlertForecasts.outlook(trajectory(null), 600, 0.025);
        assertThat(unplanned.value()).isNull();
        assertThat(unplanned.missing()).isEqualTo("the run states no planned final step (config plannedSteps)");
        // 5 checkpoints by step 250, one of them without drift
        Outlook early = AlertForecasts.outlook(trajectory(PLANNED), 250, 0.025);
        assertThat(early.value()).isNull();
        assertThat(early.finalStep()).isEqualTo(PLANNED);
        assertThat(early.missing()).isEqualTo("4 checkpoints with drift so far, a forecast needs 5");
        assertThat(AlertForecasts.outlook(trajectory(PLANNED), 300, 0.025).value()).isNotNull();
    }

    @Test
    void aMedianOrUpperBoundOfAForecastTooUncertainToUseIsNoForecast() {
        // the LM demo's LoRA run at step 20 of 100: its KL jumped and then stayed, which five checkpoints cannot
        // tell from a jump that runs on: a median of 0.15 in an interval of four orders of magnitude (0.027 to 338;
        // before the laws that level off, a median of ~16 in ~29 orders of magnitude)
        ForgettingService.Trajectory t = new ForgettingService.Trajectory(100L, new long[] {0, 4, 8, 12, 16, 20},
                new double[] {0, 0.002, 0.011, 0.038, 0.039, 0.047});
        for (double q : new double[] {0.5, 0.975}) {
            Outlook o = AlertForecasts.outlook(t, 20, q);
            assertThat(o.value()).as("quantile %s", q).isNull();
            assertThat(o.finalStep()).isEqualTo(100);
            assertThat(o.missing()).as("quantile %s", q)
                    .matches("the forecast is too uncertain to use \\(95% interval [0-9.e+-]+ to [0-9.e+-]+, median"
                            + " 0\\.1[0-9]+, from 5 checkpoints\\)");
        }
        // a lower bound stays one: a budget below even that would be worth a warning
        assertThat(AlertForecasts.outlook(t, 20, 0.025).value()).isNotNull().isLessThan(0.047);
    }

    @Test
    void pastThePlannedStepTheForecastIsForTheLatestCheckpoint() {
        Outlook late = AlertForecasts.outlook(trajectory(500L), 600, 0.025);
        assertThat(late.finalStep()).isEqualTo(600);
    }
}
