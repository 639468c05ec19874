package dev.driftwatch.monitor.forgetting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

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

    @Test
    void tooFewPointsOrNoSpreadGiveNoFit() {
        assertThat(LinearFit.of(new double[] {1, 2, 3}, new double[] {1, 2, 3})).isNull();
        assertThat(LinearFit.of(new double[] {1, 1, 1, 1}, new double[] {1, 2, 3, 4})).isNull();
        assertThat(LinearFit.of(new double[] {1, 2, Double.NaN, 3, 4}, new double[] {1, 2, 3, 4, 5}).n()).isEqualTo(4);
    }
}
