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
     * @param placement where its name is drawn, or null where it is not (see {@link #labelled}); every point has its
     *     tooltip
     */
    record Point(String runKey, String name, String method, double loss, double kl, double trainableFraction,
            double x, double y, boolean frontier, Placement placement) {

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
                    r.trainableFraction(), x, y, !dominated, null));
        }
        points.sort(Comparator.comparingDouble(Point::loss));
        return new LossDriftScatter(labelled(points), WIDTH, HEIGHT, lossMin, lossMax, 0, klMax);
    }

    /**
     * Where a point's name is drawn.
     *
     * @param x the text's x
     * @param y its baseline
     * @param end whether the text ends at x (to the point's left) rather than starts there
     */
    record Placement(double x, double y, boolean end) {}

    /** Width of a character of a point's name, in the drawing's 11 px font (a little over the average). */
    private static final double CHAR_WIDTH = 6.5;

    /**
     * Where names are drawn: the frontier's first, then the others by loss, each at the first of four places
     * beside its point (above on the side away from the drawing's edge, above on the other side, then below) whose
     * box stays inside the drawing and clear of every point and of every name placed before it. Runs close
     * together had their names written over one another and under the next points; a name without a place is
     * still the point's tooltip.
     */
    private static List<Point> labelled(List<Point> points) {
        List<Point> order = new ArrayList<>(points);
        order.sort(Comparator.comparing((Point p) -> !p.frontier()).thenComparingDouble(Point::loss));
        List<double[]> taken = new ArrayList<>();
        for (Point p : points) { // the points' circles (radius 6)
            taken.add(new double[] {p.x() - 6, p.y() - 6, p.x() + 6, p.y() + 6});
        }
        java.util.Map<String, Placement> placed = new java.util.HashMap<>();
        for (Point p : order) {
            double width = CHAR_WIDTH * p.name().length();
            boolean towardsLeft = ScatterFrame.labelLeft(p.x());
            for (int k = 0; k < 4; k++) {
                boolean left = towardsLeft ^ (k % 2 == 1);
                boolean below = k >= 2;
                double from = left ? p.x() - 8 - width : p.x() + 8;
                double baseline = below ? p.y() + 16 : p.y() - 8;
                double[] box = {from - 2, baseline - 12, from + width + 2, baseline + 4};
                boolean inside = box[0] >= 0 && box[2] <= WIDTH && box[1] >= 0 && box[3] <= HEIGHT;
                if (inside && taken.stream().noneMatch(t -> t[0] < box[2] && box[0] < t[2] && t[1] < box[3]
                        && box[1] < t[3])) {
                    taken.add(box);
                    placed.put(p.runKey(), new Placement(left ? p.x() - 8 : p.x() + 8, baseline, left));
                    break;
                }
            }
        }
        return points.stream().map(p -> new Point(p.runKey(), p.name(), p.method(), p.loss(), p.kl(),
                p.trainableFraction(), p.x(), p.y(), p.frontier(), placed.get(p.runKey()))).toList();
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
