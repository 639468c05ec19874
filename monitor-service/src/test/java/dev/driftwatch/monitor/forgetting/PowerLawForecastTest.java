package dev.driftwatch.monitor.forgetting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PowerLawForecastTest {

    private static final long FINAL = 1000;
    private static final int CHECKPOINTS = 50;

    /** drift(t) = a (t + s)^b exp(sigma e) at steps 20, 40, ..., 1000. */
    private static double[] trajectory(Random r, double a, double s, double b, double sigma) {
        double[] d = new double[CHECKPOINTS];
        for (int i = 0; i < CHECKPOINTS; i++) {
            d[i] = a * Math.pow(step(i) + s, b) * Math.exp(sigma * r.nextGaussian());
        }
        return d;
    }

    private static long step(int i) {
        return (i + 1) * FINAL / CHECKPOINTS;
    }

    private static PowerLawForecast.Forecast forecastAfter(double[] drift, int checkpoints) {
        long[] steps = new long[checkpoints];
        double[] seen = new double[checkpoints];
        for (int i = 0; i < checkpoints; i++) {
            steps[i] = step(i);
            seen[i] = drift[i];
        }
        return PowerLawForecast.of(steps, seen, FINAL, 0.95);
    }

    @Test
    void theIntervalCoversTheFinalDriftAtAboutItsNominalRate() {
        Random r = new Random(17);
        int trials = 600;
        int[] hits = new int[2];
        double[] fractions = {0.2, 0.5};
        for (int trial = 0; trial < trials; trial++) {
            // different laws each trial: exponents 0.3-0.9, shifts 5-200 steps, 5-15% noise
            double b = 0.3 + 0.6 * r.nextDouble();
            double s = 5 + 195 * r.nextDouble();
            double sigma = 0.05 + 0.1 * r.nextDouble();
            double a = 0.5 / Math.pow(FINAL + s, b);
            double[] d = trajectory(r, a, s, b, sigma);
            for (int f = 0; f < fractions.length; f++) {
                PowerLawForecast.Forecast forecast = forecastAfter(d, (int) (CHECKPOINTS * fractions[f]));
                double truth = d[CHECKPOINTS - 1];
                hits[f] += forecast.low() <= truth && truth <= forecast.high() ? 1 : 0;
            }
        }
        // nominal 95% (measured: 97.8% at 20%, 96.7% at 50% of training)
        assertThat((double) hits[0] / trials).as("at 20%%").isBetween(0.92, 0.99);
        assertThat((double) hits[1] / trials).as("at 50%%").isBetween(0.92, 0.99);
    }

    @Test
    void theForecastsLowerBoundCrossesABudgetBeforeTheDriftDoes() {
        Random r = new Random(3);
        double b = 0.5;
        double s = 50;
        double a = 0.6 / Math.pow(FINAL + s, b);  // ends near 0.6
        double budget = 0.45;                      // crossed by the drift itself at about 55% of training
        double[] d = trajectory(r, a, s, b, 0.05);
        int forecastFires = -1;
        int driftCrosses = -1;
        for (int i = 0; i < CHECKPOINTS; i++) {
            PowerLawForecast.Forecast forecast = forecastAfter(d, i + 1);
            if (forecastFires < 0 && forecast != null && forecast.low() > budget) {
                forecastFires = i;
            }
            if (driftCrosses < 0 && d[i] > budget) {
                driftCrosses = i;
            }
        }
        assertThat(driftCrosses).isPositive();
        assertThat(forecastFires).isPositive().isLessThan(driftCrosses);
    }

    @Test
    void aLongTrajectoryIsThinnedAndStillForecastsItsEnd() {
        // 40,000 checkpoints of drift(t) = a (t + s)^b with 10% noise, forecast from the first half
        Random r = new Random(29);
        int n = 40_000;
        long end = 2L * n;
        double a = 0.002;
        double s = 300;
        double b = 0.6;
        long[] steps = new long[n / 2];
        double[] drift = new double[n / 2];
        for (int i = 0; i < n / 2; i++) {
            steps[i] = 2L * (i + 1);
            drift[i] = a * Math.pow(steps[i] + s, b) * Math.exp(0.1 * r.nextGaussian());
        }
        PowerLawForecast law = PowerLawForecast.fit(steps, drift, end, 0.95);
        assertThat(law.points()).isEqualTo(PowerLawForecast.MAX_FIT_POINTS);
        assertThat(law.lastStep()).isEqualTo(steps[n / 2 - 1]);
        PowerLawForecast.Forecast f = law.at(end);
        double truth = a * Math.pow(end + s, b);
        assertThat(truth).isBetween(f.low(), f.high());
        assertThat(f.estimate()).isCloseTo(truth, org.assertj.core.data.Percentage.withPercentage(10));
    }

    @Test
    void fewerThanFiveUsableCheckpointsGiveNoForecast() {
        assertThat(PowerLawForecast.of(new long[] {1, 2, 3, 4, 5}, new double[] {0.1, 0.2, 0, 0.3, 0.4}, 10, 0.95))
                .isNull();
        assertThat(PowerLawForecast.of(new long[] {1, 2, 3, 4, 5}, new double[] {0.1, 0.2, 0.25, 0.3, 0.4}, 10, 0.95))
                .isNotNull();
    }
}
