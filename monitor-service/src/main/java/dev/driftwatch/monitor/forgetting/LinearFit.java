package dev.driftwatch.monitor.forgetting;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * An ordinary least-squares line {@code y = intercept + slope * x} with what a user needs to judge it:
 * R² and a confidence interval for it, the residual spread, and prediction intervals for new points,
 * all of them honest about points that come in groups (the checkpoints of one run are one trajectory,
 * not independent draws).
 *
 * <p><b>Prediction</b> of a new group's point at x (a run the fit has not seen):
 * {@code yhat ± t(G-1) sqrt(s² + Var(yhat))}, where s² = RSS / (n - 2) is the scatter of points around the
 * line (within and between groups) and {@code Var(yhat)} is the line's own uncertainty, by the jackknife
 * over groups: the line refitted without each group in turn, {@code (G-1)/G Σ (yhat_(-g) - mean)²}. The t
 * quantile has G - 1 degrees of freedom, G the number of groups: the fit knows as many independent run
 * effects as it has runs, however many checkpoints each has. With every point its own group this is the
 * ordinary delete-one jackknife, close to the textbook interval.
 *
 * <p><b>R²'s interval</b> is Fisher's: {@code atanh(r) ± t(G-1) se}, with the standard error of
 * {@code atanh(r)} from the same jackknife over groups (not {@code 1 / sqrt(n - 3)}, which assumes
 * independent, normal points), then squared (0 when it straddles 0). With fewer than 3 groups it is all
 * of [0, 1]; a single group gives no prediction at all.
 *
 * <p>Measured coverage (LinearFitTest, simulated runs of drifting checkpoints with a run effect and AR(1)
 * noise, 3-12 runs of 6-20 checkpoints) and its limits are in docs/forgetting.md.
 *
 * @param n number of points
 * @param groups number of groups the points come in
 * @param intercept the fitted intercept
 * @param slope the fitted slope
 * @param r2 coefficient of determination, in [0, 1]
 * @param residualSd residual standard deviation {@code sqrt(RSS / (n - 2))}
 * @param zSe the jackknife standard error of {@code atanh(r)} over the groups, NaN with fewer than 3 groups
 * @param xMean mean of x
 * @param sxx {@code sum (x - xMean)²}
 * @param interceptVariance the jackknife (over groups) variance of the intercept, NaN with one group
 * @param interceptSlopeCovariance the jackknife covariance of intercept and slope
 * @param slopeVariance the jackknife variance of the slope
 */
public record LinearFit(int n, int groups, double intercept, double slope, double r2, double residualSd,
        double zSe, double xMean, double sxx, double interceptVariance, double interceptSlopeCovariance,
        double slopeVariance) {

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
     * Fits a line to independent points (every point its own group).
     *
     * @param x predictor values
     * @param y responses, as many as x
     * @return the fit, or null with fewer than {@link #MIN_POINTS} finite points, no spread in x, or values so
     *     large that their squares overflow
     */
    public static LinearFit of(double[] x, double[] y) {
        return fit(x, y, null, true);
    }

    /**
     * Fits the least-squares line alone, without {@link #of}'s jackknife over the points ({@code zSe} and the
     * jackknife variances NaN): for callers that fit many lines and use only the line, its residuals and
     * {@code sxx} ({@link PowerLawForecast} fits ~100 per forecast, where the jackknife cost 4x the line).
     *
     * @param x predictor values
     * @param y responses, as many as x
     * @return the fit, or null as from {@link #of}
     */
    public static LinearFit line(double[] x, double[] y) {
        return fit(x, y, null, false);
    }

    /**
     * Fits a line to points that come in groups (the checkpoints of runs).
     *
     * @param x predictor values
     * @param y responses, as many as x
     * @param group each point's group, as many as x (any ints: equal ints are one group)
     * @return the fit, or null with fewer than {@link #MIN_POINTS} finite points, no spread in x, or values so
     *     large that their squares overflow
     */
    public static LinearFit of(double[] x, double[] y, int[] group) {
        if (group.length != x.length) {
            throw new IllegalArgumentException("x and the groups differ in length");
        }
        return fit(x, y, group, true);
    }

    /** The fit; {@code group} null for every point its own group; {@code jackknife} false for none. */
    private static LinearFit fit(double[] x, double[] y, int[] group, boolean jackknife) {
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
        if (!Double.isFinite(mx) || !Double.isFinite(my) || !Double.isFinite(sxx) || !Double.isFinite(sxy)
                || !Double.isFinite(syy) || !Double.isFinite(slope) || !Double.isFinite(my - slope * mx)) {
            return null; // values near the double range's ends (their squares overflow): no line, not a NaN one
        }
        double r2 = syy > 0 ? Math.min(1, Math.max(0, 1 - rss / syy)) : 0;
        if (!jackknife) {
            return new LinearFit(n, n, my - slope * mx, slope, r2, Math.sqrt(rss / (n - 2)), Double.NaN, mx, sxx,
                    Double.NaN, Double.NaN, Double.NaN);
        }
        // per group: size, then (from 4) the sums of dx, dy, dx², dx dy, dy² about the means
        Map<Integer, Integer> slots = new HashMap<>();
        List<double[]> sums = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                double dx = x[i] - mx;
                double dy = y[i] - my;
                int slot = group == null ? sums.size() : slots.computeIfAbsent(group[i], k -> sums.size());
                if (slot == sums.size()) {
                    sums.add(new double[9]);
                }
                double[] g = sums.get(slot);
                g[0]++;
                g[4] += dx;
                g[5] += dy;
                g[6] += dx * dx;
                g[7] += dx * dy;
                g[8] += dy * dy;
            }
        }
        int groups = sums.size();
        // Leave each group out in turn (the jackknife over groups): the line and Fisher's z = atanh(r) of
        // the rest, from the sums without the group (about the full means, then shifted to the new ones).
        // Their spread knows how a group's points move together and how far from normal they are.
        double z = atanh(Math.copySign(Math.sqrt(r2), slope));
        double zSe = Double.NaN;
        double[] line = {Double.NaN, Double.NaN, Double.NaN};
        if (groups >= 2) {
            double[] zs = new double[groups];
            double[] intercepts = new double[groups];
            double[] slopes = new double[groups];
            int k = 0;
            for (double[] g : sums) {
                double m = n - g[0];
                double gx = g[4] / m;
                double gy = g[5] / m;
                double lxx = sxx - g[6] - m * gx * gx;
                double lxy = sxy - g[7] - m * gx * gy;
                double lyy = syy - g[8] - m * gy * gy;
                zs[k] = lxx > 0 && lyy > 0 ? atanh(lxy / Math.sqrt(lxx * lyy)) : Double.NaN;
                slopes[k] = lxx > 0 ? lxy / lxx : Double.NaN;
                intercepts[k] = (my - gy) - slopes[k] * (mx - gx);
                k++;
            }
            double[] spread = jackknife(intercepts, slopes);
            double scale = (groups - 1.0) / groups;
            line = new double[] {scale * spread[0], scale * spread[1], scale * spread[2]};
            if (groups >= 3 && Double.isFinite(z)) {
                zSe = Math.sqrt(scale * jackknife(zs, zs)[0]);
            }
        }
        return new LinearFit(n, groups, my - slope * mx, slope, r2, Math.sqrt(rss / (n - 2)), zSe, mx, sxx, line[0],
                line[1], line[2]);
    }

    /** {@code Σ (a - mean a)²}, {@code Σ (a - mean a)(b - mean b)}, {@code Σ (b - mean b)²}. */
    private static double[] jackknife(double[] a, double[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i] / a.length;
            mb += b[i] / b.length;
        }
        double[] s = new double[3];
        for (int i = 0; i < a.length; i++) {
            s[0] += (a[i] - ma) * (a[i] - ma);
            s[1] += (a[i] - ma) * (b[i] - mb);
            s[2] += (b[i] - mb) * (b[i] - mb);
        }
        return s;
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
        if (!Double.isFinite(zSe)) {
            return new Interval(0, 1);
        }
        double half = tQuantile(groups - 1, 0.5 + level / 2) * zSe;
        double lo = Math.tanh(z - half);
        double hi = Math.tanh(z + half);
        double top = Math.max(lo * lo, hi * hi);
        double bottom = lo <= 0 && hi >= 0 ? 0 : Math.min(lo * lo, hi * hi);
        return new Interval(bottom, top);
    }

    /**
     * Predicts a new group's observation at x with its prediction interval.
     *
     * @param x the predictor
     * @param level e.g. 0.95
     * @return the prediction, or null when the points came in a single group (nothing tells how a
     *     new group differs from it)
     */
    public Prediction predict(double x, double level) {
        if (groups < 2) {
            return null;
        }
        double estimate = at(x);
        double line = Math.max(0, interceptVariance + 2 * x * interceptSlopeCovariance + x * x * slopeVariance);
        double se = Math.sqrt(residualSd * residualSd + line);
        double q = tQuantile(groups - 1, 0.5 + level / 2);
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
