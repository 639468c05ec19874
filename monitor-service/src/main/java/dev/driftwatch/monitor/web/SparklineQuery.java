package dev.driftwatch.monitor.web;

import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The headline KL of a run at a few evenly spaced steps, for the runs list's sparklines. Unlike a
 * chart's trajectory (which reads every checkpoint in range so no extreme is lost), a 120-pixel line
 * only needs a sample: one primary-key lookup per sample point, so a page of 25 runs with 100k
 * checkpoints each costs 25 x {@value #SAMPLES} index probes instead of 2.5 million rows. The sample
 * steps are computed in numeric ({@code (hi - lo) * i} overflows a bigint for steps above ~2e17) and
 * cast back to bigint so the comparison still uses the index.
 */
@Component
class SparklineQuery {

    /** Points of a sparkline. */
    static final int SAMPLES = 48;

    private final JdbcTemplate jdbc;

    SparklineQuery(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Samples a run's headline KL: the first checkpoint with a value at or after each of
     * {@value #SAMPLES} evenly spaced steps between the run's first and last step.
     *
     * @param runId the run
     * @return the sparkline, empty when the run has no valid checkpoint
     */
    @Transactional(readOnly = true)
    public Sparkline sparkline(long runId) {
        List<Long> steps = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        jdbc.query("""
                WITH bounds AS (SELECT min(step) AS lo, max(step) AS hi FROM checkpoint WHERE run_id = ?)
                SELECT DISTINCT c.step, c.kl_mean
                FROM bounds, generate_series(0, ? - 1) i
                CROSS JOIN LATERAL (
                    SELECT step, kl_mean FROM checkpoint
                    WHERE run_id = ? AND kl_mean IS NOT NULL
                      AND step >= floor(bounds.lo + (bounds.hi - bounds.lo)::numeric * i / (? - 1))::bigint
                    ORDER BY step LIMIT 1) c
                WHERE bounds.lo IS NOT NULL
                ORDER BY c.step""", rs -> {
            steps.add(rs.getLong(1));
            values.add(rs.getDouble(2));
        }, runId, SAMPLES, runId, SAMPLES);
        long[] s = new long[steps.size()];
        double[] v = new double[steps.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = steps.get(i);
            v[i] = values.get(i);
        }
        return Sparkline.of(s, v);
    }
}
