package dev.driftwatch.monitor.forgetting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LinearFitTest {

    @Test
    void slopeInterceptAndR2EqualTheNormalEquationsAndThePearsonCorrelation() {
        Random r = new Random(5);
        int n = 300;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextDouble() * 0.4;
            y[i] = 0.1 + 2.5 * x[i] + 0.2 * r.nextGaussian();
        }

        LinearFit fit = LinearFit.of(x, y);

        // Independent: the 2x2 normal equations [n sx; sx sxx] [a b]' = [sy sxy]' by Cramer's rule,
        // and R² as the squared Pearson correlation from raw sums.
        double s1 = n;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sx += x[i];
            sy += y[i];
            sxx += x[i] * x[i];
            sxy += x[i] * y[i];
            syy += y[i] * y[i];
        }
        double det = s1 * sxx - sx * sx;
        double a = (sy * sxx - sx * sxy) / det;
        double b = (s1 * sxy - sx * sy) / det;
        double pearson = (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
        double rss = 0;
        for (int i = 0; i < n; i++) {
            double e = y[i] - a - b * x[i];
            rss += e * e;
        }
        assertThat(fit.intercept()).isCloseTo(a, within(1e-10));
        assertThat(fit.slope()).isCloseTo(b, within(1e-10));
        assertThat(fit.r2()).isCloseTo(pearson * pearson, within(1e-10));
        assertThat(fit.residualSd()).isCloseTo(Math.sqrt(rss / (n - 2)), within(1e-10));
        LinearFit.Interval ci = fit.r2Interval(0.95);
        assertThat(ci.low()).isLessThan(fit.r2());
        assertThat(ci.high()).isGreaterThan(fit.r2());
    }

    @Test
    void predictionIntervalsAndTheR2IntervalCoverAtAboutTheirNominalRate() {
        Random r = new Random(9);
        int trials = 2000;
        int n = 30;
        int predictionHits = 0;
        int r2Hits = 0;
        // y = 1 + x + e with x ~ N(0,1), e ~ N(0,1): population R² = 1 / (1 + 1) = 0.5
        for (int trial = 0; trial < trials; trial++) {
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = r.nextGaussian();
                y[i] = 1 + x[i] + r.nextGaussian();
            }
            LinearFit fit = LinearFit.of(x, y);
            double x0 = 2.5;
            double y0 = 1 + x0 + r.nextGaussian();
            LinearFit.Prediction p = fit.predict(x0, 0.95);
            predictionHits += p.low() <= y0 && y0 <= p.high() ? 1 : 0;
            LinearFit.Interval ci = fit.r2Interval(0.95);
            r2Hits += ci.low() <= 0.5 && 0.5 <= ci.high() ? 1 : 0;
        }
        assertThat((double) predictionHits / trials).isBetween(0.93, 0.97);
        assertThat((double) r2Hits / trials).isBetween(0.93, 0.97);
    }

    /**
     * Runs of fine-tuning, simulated: run g has a strength c_g = exp(spread N(0, 1)), its drift grows as
     * {@code x = c_g t^0.7} over m checkpoints, and its forgetting is {@code 0.1 + 0.5 x + u_g + w_t} with a
     * run effect u_g ~ N(0, 0.15²) and AR(1) noise w (phi 0.8, sd 0.1) along the run. The prediction is
     * for a new run's last checkpoint (as the service predicts a run at its latest checkpoint); R²'s
     * interval is checked against the population R², {@code b² Var(x) / (b² Var(x) + tau² + sigma²)},
     * from the moments of x. The textbook intervals (independent points) are computed alongside and
     * printed: they cover 24-91% here, and fail every cell.
     *
     * <p>With strengths spread 0.8 (runs ~5x apart, as LoRA and full fine-tuning are) a new run's x can lie
     * far out, and the sample R² of a few runs is biased low (0.72-0.82 on average against 0.87-0.88): there
     * the prediction interval covers 92-99% and R²'s 85-97%, and the bands are wider (documented in
     * docs/forgetting.md).
     */
    @ParameterizedTest(name = "{0} runs x {1} checkpoints, strength spread {2}")
    @CsvSource({"3, 6, 0.4", "3, 20, 0.4", "6, 6, 0.4", "6, 20, 0.4", "12, 6, 0.4", "12, 20, 0.4",
        "3, 6, 0.8", "3, 20, 0.8", "6, 6, 0.8", "6, 20, 0.8", "12, 6, 0.8", "12, 20, 0.8"})
    void intervalsOverRunsOfCheckpointsCoverAtTheirNominalRate(int runs, int m, double spread) {
        Random r = new Random(31L * runs + m + (long) (100 * spread));
        int trials = 1000;
        double b = 0.5;
        double tau = 0.15;
        double sigma = 0.1;
        double phi = 0.8;
        double meanC = Math.exp(spread * spread / 2);
        double meanC2 = Math.exp(2 * spread * spread);
        double t07 = 0;
        double t14 = 0;
        for (int j = 0; j < m; j++) {
            double t = (j + 1.0) / m;
            t07 += Math.pow(t, 0.7) / m;
            t14 += Math.pow(t, 1.4) / m;
        }
        double varX = meanC2 * t14 - meanC * meanC * t07 * t07;
        double r2 = b * b * varX / (b * b * varX + tau * tau + sigma * sigma);
        int predictionHits = 0;
        int r2Hits = 0;
        int textbookPredictionHits = 0;
        int textbookR2Hits = 0;
        for (int trial = 0; trial < trials; trial++) {
            int n = runs * m;
            double[] x = new double[n];
            double[] y = new double[n];
            int[] run = new int[n];
            for (int g = 0; g < runs; g++) {
                double[] xy = run(r, m, spread, b, tau, sigma, phi);
                for (int j = 0; j < m; j++) {
                    x[g * m + j] = xy[j];
                    y[g * m + j] = xy[m + j];
                    run[g * m + j] = g;
                }
            }
            LinearFit fit = LinearFit.of(x, y, run);
            double[] fresh = run(r, m, spread, b, tau, sigma, phi);
            double x0 = fresh[m - 1];
            double y0 = fresh[2 * m - 1];
            LinearFit.Prediction p = fit.predict(x0, 0.95);
            predictionHits += p.low() <= y0 && y0 <= p.high() ? 1 : 0;
            LinearFit.Interval ci = fit.r2Interval(0.95);
            r2Hits += ci.low() <= r2 && r2 <= ci.high() ? 1 : 0;
            // the textbook intervals, for independent points
            double half = LinearFit.tQuantile(n - 2, 0.975) * fit.residualSd()
                    * Math.sqrt(1 + 1.0 / n + (x0 - fit.xMean()) * (x0 - fit.xMean()) / fit.sxx());
            textbookPredictionHits += Math.abs(y0 - fit.at(x0)) <= half ? 1 : 0;
            double z = 0.5 * Math.log((1 + Math.sqrt(fit.r2())) / (1 - Math.sqrt(fit.r2())));
            double lo = Math.tanh(z - 1.959964 / Math.sqrt(n - 3));
            double hi = Math.tanh(z + 1.959964 / Math.sqrt(n - 3));
            textbookR2Hits += lo * lo <= r2 && r2 <= hi * hi ? 1 : 0;
        }
        System.out.printf(Locale.ROOT,
                "forgetting fit, %2d runs x %2d checkpoints, spread %.1f (population R² %.3f): prediction %.3f"
                        + " (textbook %.3f), R² %.3f (textbook %.3f)%n",
                runs, m, spread, r2, (double) predictionHits / trials, (double) textbookPredictionHits / trials,
                (double) r2Hits / trials, (double) textbookR2Hits / trials);
        boolean moderate = spread < 0.5;
        assertThat((double) predictionHits / trials).as("prediction coverage").isBetween(moderate ? 0.93 : 0.90, 0.99);
        assertThat((double) r2Hits / trials).as("R² coverage").isBetween(moderate ? 0.92 : 0.80, 0.99);
    }

    /** One simulated run: its m drifts, then its m forgettings. */
    private static double[] run(Random r, int m, double spread, double b, double tau, double sigma, double phi) {
        double[] xy = new double[2 * m];
        double c = Math.exp(spread * r.nextGaussian());
        double u = tau * r.nextGaussian();
        double w = sigma * r.nextGaussian();
        for (int j = 0; j < m; j++) {
            if (j > 0) {
                w = phi * w + sigma * Math.sqrt(1 - phi * phi) * r.nextGaussian();
            }
            xy[j] = c * Math.pow((j + 1.0) / m, 0.7);
            xy[m + j] = 0.1 + b * xy[j] + u + w;
        }
        return xy;
    }

    @Test
    void aSingleRunGivesNoPredictionAndAnUninformativeR2Interval() {
        double[] x = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
        double[] y = {0.05, 0.12, 0.14, 0.22, 0.24, 0.31};
        LinearFit fit = LinearFit.of(x, y, new int[6]);
        assertThat(fit.groups()).isEqualTo(1);
        assertThat(fit.predict(0.7, 0.95)).isNull();
        assertThat(fit.r2Interval(0.95)).isEqualTo(new LinearFit.Interval(0, 1));
        // the same points as six runs of one checkpoint each: an ordinary fit
        LinearFit independent = LinearFit.of(x, y);
        assertThat(independent.groups()).isEqualTo(6);
        assertThat(independent.predict(0.7, 0.95)).isNotNull();
        assertThat(independent.r2Interval(0.95).low()).isGreaterThan(0.5);
    }

    @Test
    void tooFewPointsOrNoSpreadGiveNoFit() {
        assertThat(LinearFit.of(new double[] {1, 2, 3}, new double[] {1, 2, 3})).isNull();
        assertThat(LinearFit.of(new double[] {1, 1, 1, 1}, new double[] {1, 2, 3, 4})).isNull();
        assertThat(LinearFit.of(new double[] {1, 2, Double.NaN, 3, 4}, new double[] {1, 2, 3, 4, 5}).n()).isEqualTo(4);
    }
}
