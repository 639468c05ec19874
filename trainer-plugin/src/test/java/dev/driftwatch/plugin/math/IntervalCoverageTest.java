package dev.driftwatch.plugin.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage simulation of the checkpoint interval ({@link StratifiedBootstrap}, studentized and
 * stratified, 1000 resamples): for each distribution and probe count, 500 probe sets with fixed seeds;
 * the fraction whose 95% interval contains the true mean. Also how often {@link TailIndex} flags the
 * values as heavy-tailed. The table in docs/metrics.md is this test's output.
 */
@Timeout(300)
class IntervalCoverageTest {

    private static final int REPETITIONS = 500;

    /** A distribution of per-example values, possibly a fixed mix of strata. */
    private record Population(String name, double mean, double[] shares, Sampler... strata) {}

    private interface Sampler {
        double draw(Random r);
    }

    private static Sampler lognormal(double sigma) {
        return r -> Math.exp(sigma * r.nextGaussian());
    }

    private static Sampler pareto(double alpha) {
        return r -> Math.pow(1 - r.nextDouble(), -1 / alpha);
    }

    private static final Population[] POPULATIONS = {
        new Population("lognormal sigma=1", Math.exp(0.5), new double[] {1}, lognormal(1)),
        new Population("lognormal sigma=1.5", Math.exp(1.125), new double[] {1}, lognormal(1.5)),
        new Population("Pareto alpha=2.5", 2.5 / 1.5, new double[] {1}, pareto(2.5)),
        new Population("stratified 40/30/30 (lognormal 1, lognormal 1.5, Pareto 2.5)",
                0.4 * Math.exp(0.5) + 0.3 * Math.exp(1.125) + 0.3 * 2.5 / 1.5, new double[] {0.4, 0.3, 0.3},
                lognormal(1), lognormal(1.5), pareto(2.5)),
        new Population("Pareto alpha=1.5 (heavy)", 3.0, new double[] {1}, pareto(1.5)),
    };

    @Test
    void theIntervalCoversTheMeanAsPromisedAndHeavyTailsAreFlagged() {
        int[] sizes = {50, 200, 600};
        double[][] coverage = new double[POPULATIONS.length][sizes.length];
        double[][] flagged = new double[POPULATIONS.length][sizes.length];
        System.out.println("| values | n | coverage of the 95% interval | mean width / true mean | flagged heavy |");
        for (int d = 0; d < POPULATIONS.length; d++) {
            Population pop = POPULATIONS[d];
            for (int c = 0; c < sizes.length; c++) {
                int n = sizes[c];
                Random r = new Random(1000L * d + n);
                StratifiedBootstrap bootstrap = new StratifiedBootstrap(1000, 42);
                int hits = 0;
                int heavy = 0;
                double width = 0;
                for (int rep = 0; rep < REPETITIONS; rep++) {
                    int[] stratumOf = new int[n];
                    double[] rows = new double[n];
                    int at = 0;
                    for (int s = 0; s < pop.strata().length; s++) {
                        int size = s == pop.strata().length - 1 ? n - at : (int) Math.round(pop.shares()[s] * n);
                        for (int i = 0; i < size; i++, at++) {
                            stratumOf[at] = s;
                            rows[at] = pop.strata()[s].draw(r);
                        }
                    }
                    StratifiedBootstrap.Intervals ci = bootstrap.run(rows, 1, stratumOf, pop.strata().length);
                    if (ci.overallLow()[0] <= pop.mean() && pop.mean() <= ci.overallHigh()[0]) {
                        hits++;
                    }
                    width += (ci.overallHigh()[0] - ci.overallLow()[0]) / pop.mean();
                    double[] sorted = rows.clone();
                    Arrays.sort(sorted);
                    if (TailIndex.isHeavy(TailIndex.hill(sorted, 0, n))) {
                        heavy++;
                    }
                }
                coverage[d][c] = (double) hits / REPETITIONS;
                flagged[d][c] = (double) heavy / REPETITIONS;
                System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.2f | %.0f%% |%n", pop.name(), n, coverage[d][c],
                        width / REPETITIONS, 100 * flagged[d][c]);
            }
        }
        for (int d = 0; d < 4; d++) {
            // the promise: 93-97% from n = 200, at least 90% at n = 50
            assertThat(coverage[d][0]).as("%s, n=50", POPULATIONS[d].name()).isGreaterThanOrEqualTo(0.90);
            assertThat(coverage[d][1]).as("%s, n=200", POPULATIONS[d].name()).isBetween(0.93, 0.97);
            assertThat(coverage[d][2]).as("%s, n=600", POPULATIONS[d].name()).isBetween(0.93, 0.97);
        }
        // infinite variance: flagged in most probe sets of a few hundred
        assertThat(flagged[4][1]).isGreaterThanOrEqualTo(0.8);
        assertThat(flagged[4][2]).isGreaterThanOrEqualTo(0.9);
        // a finite-variance Pareto tail mostly not
        assertThat(flagged[2][2]).isLessThanOrEqualTo(0.1);
    }
}
