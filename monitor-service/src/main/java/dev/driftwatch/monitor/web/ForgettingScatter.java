package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.forgetting.ForgettingService.GroupFit;
import dev.driftwatch.monitor.forgetting.ForgettingService.ScatterPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Off-task forgetting against the best-predicting drift over the checkpoints of comparable runs, with
 * the fitted line, laid out as SVG coordinates on the server (one color per run).
 *
 * @param points the checkpoints
 * @param runs the runs in legend order, with their color index
 * @param width drawing width
 * @param height drawing height
 * @param xMax largest drift (right edge; the left edge is 0)
 * @param yMin smallest forgetting (bottom edge)
 * @param yMax largest forgetting (top edge)
 * @param line the fit as an SVG polyline, empty without a fit
 */
record ForgettingScatter(List<Point> points, Map<String, Integer> runs, int width, int height, double xMax,
        double yMin, double yMax, String line) {

    static final int WIDTH = ScatterFrame.WIDTH;
    static final int HEIGHT = ScatterFrame.HEIGHT;
    /** Colors of the runs, as in the charts' palette. */
    static final List<String> COLORS = List.of("#2b5fd9", "#d9482b", "#2e9d4f", "#9b4dca", "#d99a2b", "#1aa3a3",
            "#c2417f", "#6b7385");

    /**
     * A checkpoint in the scatter.
     *
     * @param runKey its run
     * @param step its step
     * @param drift its drift
     * @param forgetting its forgetting
     * @param x drawing x
     * @param y drawing y
     * @param color its run's color
     */
    record Point(String runKey, long step, double drift, double forgetting, double x, double y, String color) {

        /** @return the tooltip text */
        public String label() {
            return String.format(Locale.ROOT, "%s, step %d: drift %.4g, forgetting %.4g", runKey, step, drift,
                    forgetting);
        }
    }

    /**
     * Lays out a group's fit.
     *
     * @param fit the fit
     * @return the scatter
     */
    static ForgettingScatter of(GroupFit fit) {
        List<ScatterPoint> in = fit.scatter();
        if (in.isEmpty() || fit.best() == null) {
            return new ForgettingScatter(List.of(), Map.of(), WIDTH, HEIGHT, 1, 0, 1, "");
        }
        double xMax = in.stream().mapToDouble(ScatterPoint::drift).max().orElseThrow() * 1.1;
        xMax = xMax > 0 ? xMax : 1;
        double lo = Math.min(0, in.stream().mapToDouble(ScatterPoint::forgetting).min().orElseThrow());
        double hi = in.stream().mapToDouble(ScatterPoint::forgetting).max().orElseThrow();
        double fitAt0 = fit.best().intercept();
        double fitAtMax = fit.best().intercept() + fit.best().slope() * xMax;
        lo = Math.min(lo, Math.min(fitAt0, fitAtMax));
        hi = Math.max(hi, Math.max(fitAt0, fitAtMax));
        double pad = Math.max((hi - lo) * 0.05, 1e-6);
        double yMin = lo - pad;
        double yMax = hi + pad;
        Map<String, Integer> runs = new LinkedHashMap<>();
        List<Point> points = new ArrayList<>();
        for (ScatterPoint p : in) {
            int color = runs.computeIfAbsent(p.runKey(), k -> runs.size());
            points.add(new Point(p.runKey(), p.step(), p.drift(), p.forgetting(), x(p.drift(), xMax),
                    y(p.forgetting(), yMin, yMax), COLORS.get(color % COLORS.size())));
        }
        String line = String.format(Locale.ROOT, "%.1f,%.1f %.1f,%.1f", x(0, xMax), y(fitAt0, yMin, yMax),
                x(xMax, xMax), y(fitAtMax, yMin, yMax));
        return new ForgettingScatter(List.copyOf(points), runs, WIDTH, HEIGHT, xMax, yMin, yMax, line);
    }

    /** @return the color of a run in the legend */
    public String color(String runKey) {
        return COLORS.get(runs.getOrDefault(runKey, 0) % COLORS.size());
    }

    /** @return where the plot's left axis is */
    public int left() {
        return ScatterFrame.LEFT;
    }

    private static double x(double drift, double xMax) {
        return ScatterFrame.x(drift / xMax);
    }

    private static double y(double forgetting, double yMin, double yMax) {
        return ScatterFrame.y((forgetting - yMin) / (yMax - yMin));
    }
}
