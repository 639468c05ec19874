package dev.driftwatch.monitor.forgetting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.forgetting.CheckpointRecommender.Point;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class CheckpointRecommenderTest {

    /** Small value grids, so ties in loss and drift happen often. */
    @Property(tries = 500)
    void equalsABruteForceSearch(@ForAll("points") List<Point> points, @ForAll @IntRange(min = 0, max = 10) int budget) {
        CheckpointRecommender.Recommendation got = CheckpointRecommender.recommend(points, budget / 10.0);

        Point best = null;
        for (Point p : points) {
            if (p.driftHigh() > budget / 10.0) {
                continue;
            }
            boolean beaten = false;
            for (Point q : points) {
                if (q.driftHigh() <= budget / 10.0 && (q.loss() < p.loss() || (q.loss() == p.loss() && q.step() < p.step()))) {
                    beaten = true;
                }
            }
            if (!beaten) {
                best = p;
            }
        }
        List<Point> front = new ArrayList<>();
        for (Point p : points) {
            boolean dominated = false;
            for (Point q : points) {
                if (q.loss() <= p.loss() && q.drift() <= p.drift() && (q.loss() < p.loss() || q.drift() < p.drift())) {
                    dominated = true;
                }
            }
            if (!dominated) {
                front.add(p);
            }
        }
        assertThat(got.best()).isEqualTo(best);
        assertThat(got.pareto()).containsExactlyInAnyOrderElementsOf(front);
        assertThat(got.pareto()).isSortedAccordingTo(java.util.Comparator.comparingLong(Point::step));
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<List<Point>> points() {
        net.jqwik.api.Arbitrary<Integer> small = net.jqwik.api.Arbitraries.integers().between(0, 8);
        return net.jqwik.api.Combinators.combine(small, small, small).as((l, d, w) -> new double[] {l, d, d + w})
                .list().ofMaxSize(25).map(rows -> {
                    List<Point> out = new ArrayList<>();
                    for (int i = 0; i < rows.size(); i++) {
                        double[] v = rows.get(i);
                        out.add(new Point(10L * i, v[0] / 4, v[1] / 10, v[2] / 10));
                    }
                    return out;
                });
    }
}
