package dev.driftwatch.monitor.query;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The headline KL of runs at a few evenly spaced steps, for the runs list's sparklines. Unlike a
 * chart's trajectory (which reads every checkpoint in range so no extreme is lost), a 120-pixel line
 * only needs a sample: one primary-key lookup per sample point, so a page of 25 runs with 100k
 * checkpoints each costs 25 x {@value #SAMPLES} index probes instead of 2.5 million rows. The sample
 * steps are computed in numeric ({@code (hi - lo) * i} overflows a bigint for steps above ~2e17) and
 * cast back to bigint so the comparison still uses the index.
 */
@Component
public class HeadlineSamples {

    /** Points of a sample. */
    public static final int SAMPLES = 48;

    private final JdbcTemplate jdbc;

    HeadlineSamples(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A run's sampled headline KL.
     *
     * @param steps the sampled steps, increasing
     * @param values the headline KL mean at each
     */
    public record Samples(long[] steps, double[] values) {}

    /**
     * Samples the headline KL of some runs of a project.
     *
     * @param projectId the project
     * @param runKeys the runs' keys
     * @return the samples by run key; a run without a valid checkpoint has empty samples, an unknown
     *     key none
     */
    @Transactional(readOnly = true)
    public Map<String, Samples> ofRuns(long projectId, List<String> runKeys) {
        Map<String, Samples> out = new HashMap<>();
        if (runKeys.isEmpty()) {
            return out;
        }
        Map<String, Long> ids = new HashMap<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT run_key, id FROM run WHERE project_id = ? AND run_key = ANY (?)");
            ps.setLong(1, projectId);
            ps.setArray(2, con.createArrayOf("varchar", runKeys.toArray()));
            return ps;
        }, rs -> {
            ids.put(rs.getString(1), rs.getLong(2));
        });
        ids.forEach((key, id) -> out.put(key, ofRun(id)));
        return out;
    }

    /**
     * Samples a run's headline KL: the first checkpoint with a value at or after each of
     * {@value #SAMPLES} evenly spaced steps between the run's first and last step.
     *
     * @param runId the run
     * @return the samples, empty when the run has no valid checkpoint
     */
    @Transactional(readOnly = true)
    public Samples ofRun(long runId) {
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
        return new Samples(s, v);
    }
}
