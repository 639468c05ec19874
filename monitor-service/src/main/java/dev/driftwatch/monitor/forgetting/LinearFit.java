package dev.driftwatch.monitor.forgetting;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * An ordinary least-squares line {@code y = intercept + slope * x} with what a user needs to judge it:
 * R² and a confidence interval for it, the residual spread, and prediction intervals for new points.
 *
 * <p>The R² interval is Fisher's: {@code atanh(r)} is close to normal with standard error
 * {@code 1 / sqrt(n - 3)}; the interval of r is squared (0 when it straddles 0). Prediction intervals
 * are the textbook ones for a new observation, {@code yhat ± t(n-2) s sqrt(1 + 1/n + (x - xbar)² / Sxx)}.
 * Both assume independent points with normal, equal-variance residuals; checkpoints of one run are
 * not independent, so on such data the intervals are optimistic (docs/forgetting.md says so).
 *
 * @param n number of points
 * @param intercept the fitted intercept
 * @param slope the fitted slope
 * @param r2 coefficient of determination, in [0, 1]
 * @param residualSd residual standard deviation {@code sqrt(RSS / (n - 2))}
 * @param xMean mean of x
 * @param sxx {@code sum (x - xMean)²}
 */
public record LinearFit(int n, double intercept, double slope, double r2, double residualSd, double xMean, double sxx) {

    /** The smallest number of points a fit needs (R²'s interval needs n - 3 > 0). */
    public static final int MIN_POINTS = 4;

    /**
     * An interval.
     *
     * @param low lower bound
     * @param high upper bound
     */
    public record Interval(double low, double high) {}

    /**
     * A prediction at one x.
     *
     * @param estimate the fitted value
     * @param low lower bound of the prediction interval
     * @param high upper bound of the prediction interval
     */
    public record Prediction(double estimate, double low, double high) {}

    /**
     * Fits a line.
     *
     * @param x predictor values
     * @param y responses, as many as x
     * @return the fit, or null with fewer than {@link #MIN_POINTS} finite points or no spread in x
     */
    public static LinearFit of(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y differ in length");
        }
        int n = 0;
        double sx = 0;
        double sy = 0;
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                n++;
                sx += x[i];
                sy += y[i];
            }
        }
        if (n < MIN_POINTS) {
            return null;
        }
        double mx = sx / n;
        double my = sy / n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                double dx = x[i] - mx;
                double dy = y[i] - my;
                sxx += dx * dx;
                sxy += dx * dy;
                syy += dy * dy;
            }
        }
        if (!(sxx > 0)) {
            return null;
        }
        double slope = sxy / sxx;
        double rss = Math.max(0, syy - slope * sxy);
        double r2 = syy > 0 ? Math.min(1, Math.max(0, 1 - rss / syy)) : 0;
        return new LinearFit(n, my - slope * mx, slope, r2, Math.sqrt(rss / (n - 2)), mx, sxx);
    }

    /**
     * Returns the fitted value at x.
     *
     * @param x the predictor
     * @return {@code intercept + slope * x}
     */
    public double at(double x) {
        return intercept + slope * x;
    }

    /**
     * Returns the interval of R² at a confidence level (Fisher's z of r).
     *
     * @param level e.g. 0.95
     * @return the interval, within [0, 1]
     */
    public Interval r2Interval(double level) {
        double r = Math.copySign(Math.sqrt(r2), slope);
        double z = atanh(Math.max(-1 + 1e-12, Math.min(1 - 1e-12, r)));
        double half = new NormalDistribution().inverseCumulativeProbability(0.5 + level / 2) / Math.sqrt(n - 3);
        double lo = Math.tanh(z - half);
        double hi = Math.tanh(z + half);
        double top = Math.max(lo * lo, hi * hi);
        double bottom = lo <= 0 && hi >= 0 ? 0 : Math.min(lo * lo, hi * hi);
        return new Interval(bottom, top);
    }

    /**
     * Predicts a new observation at x with its prediction interval.
     *
     * @param x the predictor
     * @param level e.g. 0.95
     * @return the prediction
     */
    public Prediction predict(double x, double level) {
        double estimate = at(x);
        double se = residualSd * Math.sqrt(1 + 1.0 / n + (x - xMean) * (x - xMean) / sxx);
        double q = tQuantile(n - 2, 0.5 + level / 2);
        return new Prediction(estimate, estimate - q * se, estimate + q * se);
    }

    /**
     * Returns a quantile of Student's t distribution.
     *
     * @param degreesOfFreedom at least 1
     * @param p the probability
     * @return the quantile
     */
    static double tQuantile(int degreesOfFreedom, double p) {
        return new TDistribution(null, degreesOfFreedom).inverseCumulativeProbability(p);
    }

    private static double atanh(double r) {
        return 0.5 * Math.log((1 + r) / (1 - r));
    }
}
