package dev.driftwatch.monitor.forgetting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * 600 trajectories per cell, a different law each (exponents 0.3-0.9, shifts 5-200 steps, 5-15% noise
     * on the log scale), the noise AR(1) along the run: a real run's checkpoints share the probe set and
     * the model moves smoothly, so its deviations from its law persist. Forecasts from the first 20% and
     * 50% of the 50 checkpoints must hold the final drift at about the nominal 95% (the forecast that
     * treated checkpoints as independent held it in 88/85% of runs at correlation 0.5, 76/62% at 0.8 and
     * 65/48% at 0.95). Held to 92-99% up to 0.5, 87% at 0.8 and 80% at 0.95 (nearly a random walk around the
     * law), where the few residuals of an early forecast cannot show how strongly its deviations persist.
     */
    @ParameterizedTest(name = "noise correlation {0}")
    @ValueSource(doubles = {0.0, 0.5, 0.8, 0.95})
    void theIntervalCoversTheFinalDriftAtAboutItsNominalRate(double phi) {
        Random r = new Random(23);
        int trials = 600;
        int[] hits = new int[2];
        double[][] ratios = new double[2][trials];
        double[] fractions = {0.2, 0.5};
        for (int trial = 0; trial < trials; trial++) {
            double b = 0.3 + 0.6 * r.nextDouble();
            double s = 5 + 195 * r.nextDouble();
            double sigma = 0.05 + 0.1 * r.nextDouble();
            double a = 0.5 / Math.pow(FINAL + s, b);
            double[] d = new double[CHECKPOINTS];
            double w = sigma * r.nextGaussian();
            for (int i = 0; i < CHECKPOINTS; i++) {
                if (i > 0) {
                    w = phi * w + sigma * Math.sqrt(1 - phi * phi) * r.nextGaussian();
                }
                d[i] = a * Math.pow(step(i) + s, b) * Math.exp(w);
            }
            for (int f = 0; f < fractions.length; f++) {
                PowerLawForecast.Forecast forecast = forecastAfter(d, (int) (CHECKPOINTS * fractions[f]));
                double truth = d[CHECKPOINTS - 1];
                hits[f] += forecast.low() <= truth && truth <= forecast.high() ? 1 : 0;
                ratios[f][trial] = forecast.high() / forecast.low();
            }
        }
        Arrays.sort(ratios[0]);
        Arrays.sort(ratios[1]);
        System.out.printf(Locale.ROOT, "drift forecast, noise correlation %.2f: coverage at 20%% %.3f, at 50%% %.3f;"
                + " median band high/low %.1f, %.2f%n", phi, (double) hits[0] / trials, (double) hits[1] / trials,
                ratios[0][trials / 2], ratios[1][trials / 2]);
        double floor = phi < 0.7 ? 0.92 : phi < 0.9 ? 0.87 : 0.80;
        assertThat((double) hits[0] / trials).as("at 20%%").isBetween(floor, 0.99);
        assertThat((double) hits[1] / trials).as("at 50%%").isBetween(floor, 0.99);
    }

    @Test
    void theEffectiveNumberOfCheckpointsFallsWithTheirCorrelation() {
        // no correlation left after the small-sample correction: all 200 count; at n = 10 the correction
        // alone (+0.2) leaves 6.7; strong correlation leaves the floor of 3
        assertThat(PowerLawForecast.effectivePoints(-0.02, 200)).isEqualTo(200);
        assertThat(PowerLawForecast.effectivePoints(0, 10)).isCloseTo(10 * 0.8 / 1.2, within(1e-12));
        assertThat(PowerLawForecast.effectivePoints(0.5, 100)).isCloseTo(100 * (1 - 0.535) / 1.535, within(1e-12));
        assertThat(PowerLawForecast.effectivePoints(0.99, 50)).isEqualTo(3);
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

    /**
     * The LM demo's runs (`./run-demo.sh`, 2026-12-03), forecast at step 100 from their checkpoints up to step 20:
     * the full run's KL grows as a power law does; the LoRA run's jumps over 12 steps and then stays, which five
     * checkpoints cannot tell from a jump that runs on (the law that only grows gave a median of 15.7 against a
     * final 0.055, in an interval of ~29 orders of magnitude; with the levelling laws 0.16 in 0.024-1330), and
     * {@code informative} says so.
     */
    @Test
    void anIntervalOfMoreThanTwoOrdersOfMagnitudeIsNotInformative() {
        long[] steps = {4, 8, 12, 16, 20};
        PowerLawForecast.Forecast full = PowerLawForecast.of(steps, new double[] {0.070, 0.100, 0.108, 0.118, 0.143},
                100, 0.95);
        PowerLawForecast.Forecast lora = PowerLawForecast.of(steps, new double[] {0.002, 0.011, 0.038, 0.039, 0.047},
                100, 0.95);
        assertThat(full.informative()).as("full: %s", full).isTrue();
        assertThat(full.high() / full.low()).isLessThanOrEqualTo(PowerLawForecast.INFORMATIVE_SPAN);
        assertThat(full.law()).isEqualTo(PowerLawForecast.Law.POWER);
        assertThat(lora.informative()).as("lora: %s", lora).isFalse();
        assertThat(lora.high() / lora.low()).isGreaterThan(1e3);
        assertThat(0.055).isBetween(lora.low(), lora.high());
        assertThat(PowerLawForecast.informative(0.01, 1.0)).isTrue();
        assertThat(PowerLawForecast.informative(0.01, 1.0000001)).isFalse();
        assertThat(PowerLawForecast.informative(0, 1e-9)).isFalse();
    }

    /**
     * The LM demo's light runs (`./run-demo.sh --only lm`, 2026-12-03, KL(base||ft) at every checkpoint): their
     * KL rises over the first 12 steps and then stays near 0.05-0.06. The law that only grows forecast the LoRA run
     * from step 40 at 0.72 (+1208%) in an interval of 25 orders of magnitude, and the last-block run from step 80
     * at 0.071 (+20%) in 0.0095-0.53; a law that levels off forecasts both within 10%, in intervals narrow
     * enough to use.
     */
    @Test
    void aRunWhoseDriftLevelsOffIsForecastByALawThatLevelsOff() {
        long[] steps = {4, 8, 12, 16, 20, 40, 60, 80};
        double[] lora = {0.00159, 0.01058, 0.03757, 0.03922, 0.04690, 0.05094, 0.04276, 0.06577};
        double[] lastBlock = {0.01818, 0.04537, 0.05681, 0.05333, 0.05186, 0.04665, 0.06204, 0.05520};
        PowerLawForecast.Forecast loraAt40 = PowerLawForecast.of(Arrays.copyOf(steps, 6), Arrays.copyOf(lora, 6),
                100, 0.95);
        PowerLawForecast.Forecast lastBlockAt80 = PowerLawForecast.of(steps, lastBlock, 100, 0.95);
        assertThat(loraAt40.informative()).as("lora: %s", loraAt40).isTrue();
        assertThat(loraAt40.estimate()).isCloseTo(0.05537, org.assertj.core.data.Percentage.withPercentage(10));
        assertThat(0.05537).isBetween(loraAt40.low(), loraAt40.high());
        assertThat(loraAt40.law()).isNotEqualTo(PowerLawForecast.Law.POWER);
        assertThat(lastBlockAt80.informative()).as("last block: %s", lastBlockAt80).isTrue();
        assertThat(lastBlockAt80.estimate()).isCloseTo(0.05927, org.assertj.core.data.Percentage.withPercentage(10));
        assertThat(0.05927).isBetween(lastBlockAt80.low(), lastBlockAt80.high());
        assertThat(lastBlockAt80.law()).isNotEqualTo(PowerLawForecast.Law.POWER);
    }

    /**
     * 400 trajectories per cell that level off at 0.5: {@code (t / (t + h))^b} or {@code (1 - exp(-t / h))^b},
     * h 1-31% of the run, b 0.5-2, 5-15% log-scale AR(1) noise, forecasts from 20% and 50% of 50 checkpoints.
     * The law that only grows held the final drift in 43-71% (rational) and 43-71% (exponential) of runs at
     * 20%; the floors are a few points under what the levelling laws reach (docs/forgetting.md).
     */
    @ParameterizedTest(name = "{0}, noise correlation {1}")
    @CsvSource({"rational, 0.0, 0.93, 0.92", "rational, 0.5, 0.87, 0.90", "rational, 0.8, 0.83, 0.88",
            "rational, 0.95, 0.79, 0.81", "exponential, 0.0, 0.88, 0.89", "exponential, 0.5, 0.83, 0.89",
            "exponential, 0.8, 0.80, 0.87", "exponential, 0.95, 0.74, 0.84"})
    void aDriftThatLevelsOffIsCoveredToo(String shape, double phi, double floorAt20, double floorAt50) {
        Random r = new Random(31);
        int trials = 400;
        int[] hits = new int[2];
        double[] fractions = {0.2, 0.5};
        for (int trial = 0; trial < trials; trial++) {
            double h = FINAL * (0.01 + 0.3 * r.nextDouble());
            double b = 0.5 + 1.5 * r.nextDouble();
            double sigma = 0.05 + 0.1 * r.nextDouble();
            double[] d = new double[CHECKPOINTS];
            double w = sigma * r.nextGaussian();
            for (int i = 0; i < CHECKPOINTS; i++) {
                if (i > 0) {
                    w = phi * w + sigma * Math.sqrt(1 - phi * phi) * r.nextGaussian();
                }
                double t = step(i);
                double u = shape.equals("rational") ? t / (t + h) : -Math.expm1(-t / h);
                d[i] = 0.5 * Math.pow(u, b) * Math.exp(w);
            }
            for (int f = 0; f < fractions.length; f++) {
                PowerLawForecast.Forecast forecast = forecastAfter(d, (int) (CHECKPOINTS * fractions[f]));
                double truth = d[CHECKPOINTS - 1];
                hits[f] += forecast.low() <= truth && truth <= forecast.high() ? 1 : 0;
            }
        }
        System.out.printf(Locale.ROOT, "levelling drift forecast, %s, noise correlation %.2f: coverage at 20%% %.3f,"
                + " at 50%% %.3f%n", shape, phi, (double) hits[0] / trials, (double) hits[1] / trials);
        assertThat((double) hits[0] / trials).as("at 20%%").isBetween(floorAt20, 0.995);
        assertThat((double) hits[1] / trials).as("at 50%%").isBetween(floorAt50, 0.995);
    }

    @Test
    void theBaseAtStepZeroIsNoPointOfTheLaw() {
        // a GPU's nondeterministic kernels can leave the base a KL of 1e-10 from itself at step 0
        long[] steps = {4, 8, 12, 16, 20, 40};
        double[] lora = {0.00159, 0.01058, 0.03757, 0.03922, 0.04690, 0.05094};
        long[] withZero = {0, 4, 8, 12, 16, 20, 40};
        double[] loraWithZero = {1e-10, 0.00159, 0.01058, 0.03757, 0.03922, 0.04690, 0.05094};
        assertThat(PowerLawForecast.of(withZero, loraWithZero, 100, 0.95))
                .isEqualTo(PowerLawForecast.of(steps, lora, 100, 0.95));
        assertThat(PowerLawForecast.usablePoints(withZero, loraWithZero)).isEqualTo(6);
    }

    /**
     * A forecast rule may watch any quantile in (0, 1). From five checkpoints the predictive is a t with one degree
     * of freedom, whose 1e-6 quantile lies ~300,000 scales out: beyond the first range the solver searches, which
     * it widens until the range holds the quantile.
     */
    @Test
    void farQuantilesAreFoundToo() {
        PowerLawForecast law = PowerLawForecast.fit(new long[] {4, 8, 12, 16, 20},
                new double[] {0.070, 0.100, 0.108, 0.118, 0.143}, 100, 0.95);
        double[] p = {1e-9, 1e-6, 0.001, 0.025, 0.5, 0.975, 0.999, 1 - 1e-6, 1 - 1e-9};
        double previous = 0;
        for (double q : p) {
            double v = law.quantile(100, q);
            assertThat(v).as("quantile %s", q).isGreaterThan(previous).isFinite();
            previous = v;
        }
        assertThat(law.quantile(100, 0.025)).isCloseTo(law.at(100).low(), org.assertj.core.data.Percentage.withPercentage(1e-4));
    }

    @Test
    void fewerThanFiveUsableCheckpointsGiveNoForecast() {
        assertThat(PowerLawForecast.of(new long[] {1, 2, 3, 4, 5}, new double[] {0.1, 0.2, 0, 0.3, 0.4}, 10, 0.95))
                .isNull();
        assertThat(PowerLawForecast.of(new long[] {1, 2, 3, 4, 5}, new double[] {0.1, 0.2, 0.25, 0.3, 0.4}, 10, 0.95))
                .isNotNull();
    }
}
