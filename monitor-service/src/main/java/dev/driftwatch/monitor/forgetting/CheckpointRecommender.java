package dev.driftwatch.monitor.forgetting;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Picks a run's checkpoint to keep: the best task loss whose drift stays within a budget even at the
 * upper bound of its interval, and lists the loss-vs-drift Pareto front (the checkpoints no other
 * checkpoint beats on both lower loss and lower drift).
 */
public final class CheckpointRecommender {

    /**
     * One checkpoint's task loss and drift.
     *
     * @param step the step
     * @param loss the task loss (lower is better)
     * @param drift the drift (mean)
     * @param driftHigh the upper bound of the drift's interval
     */
    public record Point(long step, double loss, double drift, double driftHigh) {}

    /**
     * The recommendation.
     *
     * @param best the checkpoint with the lowest loss among those with {@code driftHigh <= budget}
     *     (the earliest on ties), or null when none is within the budget
     * @param pareto the Pareto front by step: no other checkpoint has both loss and drift at most as large
     *     and one of them smaller
     */
    public record Recommendation(Point best, List<Point> pareto) {}

    private CheckpointRecommender() {}

    /**
     * Recommends a checkpoint.
     *
     * @param points the checkpoints; those with a non-finite loss or drift are ignored
     * @param budget the drift budget
     * @return the recommendation
     */
    public static Recommendation recommend(List<Point> points, double budget) {
        List<Point> usable = new ArrayList<>();
        for (Point p : points) {
            if (Double.isFinite(p.loss()) && Double.isFinite(p.drift()) && Double.isFinite(p.driftHigh())) {
                usable.add(p);
            }
        }
        Point best = null;
        for (Point p : usable) {
            if (p.driftHigh() <= budget && (best == null || p.loss() < best.loss()
                    || (p.loss() == best.loss() && p.step() < best.step()))) {
                best = p;
            }
        }
        // Sweep by drift (then loss): a point is on the front when its loss is below every loss seen
        // at a smaller drift, and not beaten by a point of equal drift.
        List<Point> byDrift = new ArrayList<>(usable);
        byDrift.sort(Comparator.comparingDouble(Point::drift).thenComparingDouble(Point::loss)
                .thenComparingLong(Point::step));
        List<Point> front = new ArrayList<>();
        double lowest = Double.POSITIVE_INFINITY;
        int i = 0;
        while (i < byDrift.size()) {
            Point head = byDrift.get(i);
            int j = i;
            // points with the same drift: only those with the group's smallest loss can be on the front
            while (j < byDrift.size() && byDrift.get(j).drift() == head.drift()) {
                Point p = byDrift.get(j);
                if (p.loss() == head.loss() && p.loss() < lowest) {
                    front.add(p);
                }
                j++;
            }
            lowest = Math.min(lowest, head.loss());
            i = j;
        }
        front.sort(Comparator.comparingLong(Point::step));
        return new Recommendation(best, List.copyOf(front));
    }
}
