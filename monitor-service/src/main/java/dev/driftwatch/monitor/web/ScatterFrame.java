package dev.driftwatch.monitor.web;

/**
 * The drawing area the compare page's scatters share: their size, and the margins that keep the axes' labels
 * inside it (the left one holds a tick label of ten characters, such as {@code -1.234e-05}).
 */
final class ScatterFrame {

    static final int WIDTH = 640;
    static final int HEIGHT = 360;
    /** Below, above and right of the plot. */
    static final int MARGIN = 48;
    /** Left of the plot, where the y axis's tick labels end. */
    static final int LEFT = 80;

    private ScatterFrame() {}

    /**
     * An SVG x.
     *
     * @param fraction 0 at the left axis, 1 at the right end
     * @return the x
     */
    static double x(double fraction) {
        return LEFT + fraction * (WIDTH - LEFT - MARGIN);
    }

    /**
     * An SVG y.
     *
     * @param fraction 0 at the bottom axis, 1 at the top end
     * @return the y
     */
    static double y(double fraction) {
        return HEIGHT - MARGIN - fraction * (HEIGHT - 2 * MARGIN);
    }

    /**
     * Whether a point's label goes to its left, ending beside it: in the plot's right half, where a label to the
     * right ran past the drawing's edge.
     *
     * @param x the point's x
     * @return true to the left
     */
    static boolean labelLeft(double x) {
        return x > WIDTH / 2.0;
    }
}
