package dev.driftwatch.monitor.web;

import java.util.Locale;

/**
 * A tiny inline SVG line of a trajectory for the runs list, computed on the server so the list needs
 * no script and no extra request per run.
 *
 * @param points the SVG polyline's {@code points} attribute, empty when there is nothing to draw
 * @param width the drawing's width in pixels
 * @param height its height in pixels
 */
record Sparkline(String points, int width, int height) {

    /** Width of a sparkline, in pixels. */
    static final int WIDTH = 120;
    /** Height of a sparkline, in pixels. */
    static final int HEIGHT = 28;

    /**
     * Scales a series into the sparkline's box; NaN values are skipped.
     *
     * @param steps the x values, increasing
     * @param values the y values
     * @return the sparkline
     */
    static Sparkline of(long[] steps, double[] values) {
        if (steps.length == 0) {
            return new Sparkline("", WIDTH, HEIGHT);
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        long x0 = steps[0];
        double xSpan = Math.max(1, steps[steps.length - 1] - x0);
        double ySpan = max > min ? max - min : 1;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < steps.length; i++) {
            if (Double.isNaN(values[i])) {
                continue;
            }
            double x = 1 + (steps[i] - x0) / xSpan * (WIDTH - 2);
            double y = HEIGHT - 1 - (values[i] - min) / ySpan * (HEIGHT - 2);
            sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return new Sparkline(sb.toString().trim(), WIDTH, HEIGHT);
    }
}
