package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.run.RunView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The task loss against headline drift of comparable runs, laid out as SVG coordinates on the server.
 * The runs no other run beats on both (lower or equal loss with lower or equal drift) form the
 * frontier: for their loss, they drifted least.
 *
 * @param points one point per run that reports both values
 * @param width drawing width
 * @param height drawing height
 * @param lossMin smallest loss (left edge)
 * @param lossMax largest loss (right edge)
 * @param klMin smallest KL (bottom edge)
 * @param klMax largest KL (top edge)
 */
record LossDriftScatter(List<Point> points, int width, int height, double lossMin, double lossMax, double klMin,
        double klMax) {

    static final int WIDTH = ScatterFrame.WIDTH;
    static final int HEIGHT = ScatterFrame.HEIGHT;

    /**
     * A run in the scatter.
     *
     * @param runKey the run
     * @param name its name
     * @param method its method
     * @param loss its latest task loss
     * @param kl its latest headline KL
     * @param trainableFraction its trainable fraction
     * @param x the SVG x
     * @param y the SVG y
     * @param frontier true when no other run has both lower-or-equal loss and lower-or-equal drift
     */
    record Point(String runKey, String name, String method, double loss, double kl, double trainableFraction,
            double x, double y, boolean frontier) {

        /** @return whether the point's name goes to its left (see {@link ScatterFrame#labelLeft}) */
        public boolean labelLeft() {
            return ScatterFrame.labelLeft(x);
        }

        /** @return the tooltip text */
        public String label() {
            return String.format(java.util.Locale.ROOT, "%s (%s, trainable %.1f%%): loss %.4g, KL %.4g%s", name,
                    method, trainableFraction * 100, loss, kl, frontier ? " — least drift for its loss" : "");
        }
    }

    /**
     * Lays out the runs.
     *
     * @param runs comparable runs; those without a task loss or KL are left out
     * @return the scatter
     */
    static LossDriftScatter of(List<RunView> runs) {
        List<RunView> usable = runs.stream()
                .filter(r -> r.latestTaskLoss() != null && r.latestKlMean() != null).toList();
        if (usable.isEmpty()) {
            return new LossDriftScatter(List.of(), WIDTH, HEIGHT, 0, 1, 0, 1);
        }
        double lowestLoss = usable.stream().mapToDouble(RunView::latestTaskLoss).min().orElseThrow();
        double highestLoss = usable.stream().mapToDouble(RunView::latestTaskLoss).max().orElseThrow();
        // a margin around the points, so none sits on an axis (runs at the same loss are common)
        double pad = Math.max((highestLoss - lowestLoss) * 0.1, Math.max(Math.abs(highestLoss) * 0.05, 1e-3));
        double lossMin = lowestLoss - pad;
        double lossMax = highestLoss + pad;
        double klMax = usable.stream().mapToDouble(RunView::latestKlMean).max().orElseThrow() * 1.1;
        double lossSpan = lossMax - lossMin;
        double klSpan = klMax > 0 ? klMax : 1;
        List<Point> points = new ArrayList<>();
        for (RunView r : usable) {
            boolean dominated = usable.stream().anyMatch(o -> o != r
                    && o.latestTaskLoss() <= r.latestTaskLoss() && o.latestKlMean() <= r.latestKlMean()
                    && (o.latestTaskLoss() < r.latestTaskLoss() || o.latestKlMean() < r.latestKlMean()));
            double x = ScatterFrame.x((r.latestTaskLoss() - lossMin) / lossSpan);
            double y = ScatterFrame.y(r.latestKlMean() / klSpan);
            points.add(new Point(r.runKey(), r.name(), r.method(), r.latestTaskLoss(), r.latestKlMean(),
                    r.trainableFraction(), x, y, !dominated));
        }
        points.sort(Comparator.comparingDouble(Point::loss));
        return new LossDriftScatter(List.copyOf(points), WIDTH, HEIGHT, lossMin, lossMax, 0, klMax);
    }

    /** @return where the plot's left axis is */
    public int left() {
        return ScatterFrame.LEFT;
    }

    /** @return the frontier as an SVG polyline, by increasing loss */
    public String frontierLine() {
        StringBuilder sb = new StringBuilder();
        for (Point p : points) {
            if (p.frontier()) {
                sb.append(String.format(java.util.Locale.ROOT, "%.1f,%.1f ", p.x(), p.y()));
            }
        }
        return sb.toString().trim();
    }
}
