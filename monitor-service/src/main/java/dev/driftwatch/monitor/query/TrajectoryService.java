package dev.driftwatch.monitor.query;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Trajectories of a metric, downsampled on the server ({@link Downsampler}), so only the kept points
 * leave the service. The headline ({@code kl_base_ft} mean) is read from the coarse level
 * ({@link CoarseLevel}) when the series does not fit: a few rows per chart bucket however long the
 * run. Other metrics are a primary-key range scan of {@code checkpoint} streamed through the
 * downsampler.
 */
@Service
public class TrajectoryService {

    /** Default number of points, about a chart's width. */
    public static final int DEFAULT_POINTS = 1000;
    /** Fewest points a request may ask for (a bucket keeps up to four). */
    public static final int MIN_POINTS = 4;
    /** Most points a request may ask for. */
    public static final int MAX_POINTS = 20_000;

    private final JdbcTemplate jdbc;
    private final CoarseLevel coarse;

    TrajectoryService(JdbcTemplate jdbc, CoarseLevel coarse) {
        this.jdbc = jdbc;
        this.coarse = coarse;
    }

    /**
     * Reads a run's trajectory of a metric.
     *
     * @param runId the run's id
     * @param runKey the run's key (echoed)
     * @param metric the metric
     * @param from the first step, or null for the start
     * @param to the last step, or null for the end
     * @param points the most points to return (4 to {@value #MAX_POINTS})
     * @param withCi whether to add the CI bounds at each point (distribution metrics only)
     * @return the trajectory
     */
    @Transactional(readOnly = true)
    public Trajectory trajectory(long runId, String runKey, MetricRef metric, Long from, Long to, int points,
            boolean withCi) {
        return trajectory(runId, runKey, metric, from, to, points, withCi, true);
    }

    /**
     * Reads a trajectory, from the coarse level where it can serve or from the checkpoints only.
     *
     * @param useCoarse false to read every checkpoint (the reference the coarse level is tested against)
     */
    // Visible for testing
    Trajectory trajectory(long runId, String runKey, MetricRef metric, Long from, Long to, int points,
            boolean withCi, boolean useCoarse) {
        checkPoints(points);
        long lo = from == null ? 0 : from;
        long hi = to == null ? Long.MAX_VALUE : to;
        if (lo > hi) {
            throw ApiProblem.invalid("from", "must be <= to");
        }
        // the first and last stored steps of the range: two index probes
        Long[] range = jdbc.queryForObject("""
                SELECT (SELECT step FROM checkpoint WHERE run_id = ? AND step BETWEEN ? AND ? ORDER BY step LIMIT 1),
                       (SELECT step FROM checkpoint WHERE run_id = ? AND step BETWEEN ? AND ? ORDER BY step DESC LIMIT 1)
                """, (rs, n) -> new Long[] {rs.getObject(1, Long.class), rs.getObject(2, Long.class)},
                runId, lo, hi, runId, lo, hi);
        Downsampler sampler = null;
        long count = 0;
        if (range[0] != null && useCoarse && summarisedByCoarseLevel(metric)) {
            // read as if the series did not fit, counting on the way; one that does fit is read again whole
            Downsampler coarseSampler = new Downsampler(range[0], range[1], Long.MAX_VALUE, points);
            count = coarse.feed(runId, range[0], range[1], coarseSampler);
            sampler = count > points ? coarseSampler : null;
        } else if (range[0] != null) {
            count = useCoarse ? coarse.count(runId, range[0], range[1])
                    : jdbc.queryForObject("SELECT count(*) FROM checkpoint WHERE run_id = ? AND step BETWEEN ? AND ?",
                            Long.class, runId, lo, hi);
        }
        if (sampler == null) {
            sampler = new Downsampler(count == 0 ? 0 : range[0], count == 0 ? 0 : range[1], count, points);
            if (count > 0) {
                Downsampler raw = sampler;
                List<Object> args = new ArrayList<>(metric.args());
                args.add(runId);
                args.add(lo);
                args.add(hi);
                jdbc.query("SELECT step, v FROM (SELECT step, " + metric.sql() + " AS v FROM checkpoint"
                                + " WHERE run_id = ? AND step BETWEEN ? AND ?) t WHERE v IS NOT NULL ORDER BY step",
                        rs -> {
                            raw.add(rs.getLong(1), rs.getDouble(2));
                        }, args.toArray());
            }
        }
        Downsampler.Series series = sampler.finish();
        double[] ciLow = null;
        double[] ciHigh = null;
        String stat = metric.stat();
        if (withCi && metric.hasCi() && series.steps().length > 0) {
            double[][] band = valuesAt(runId, series.steps(), metric.withStat("ciLow"), metric.withStat("ciHigh"));
            if (Arrays.stream(band[0]).allMatch(Double::isNaN) && Arrays.stream(band[1]).allMatch(Double::isNaN)) {
                // no interval at any checkpoint: a name the contract does not know was a task metric's
                stat = metric.known() ? stat : null;
            } else {
                ciLow = band[0];
                ciHigh = band[1];
            }
        }
        return new Trajectory(runKey, metric.metric(), stat, metric.unit(), from, to, count,
                series.steps().length < count, series.steps(), series.values(), ciLow, ciHigh);
    }

    /** The coarse level summarises the headline mean, the {@code kl_mean} column. */
    private static boolean summarisedByCoarseLevel(MetricRef metric) {
        return metric.sql().equals("kl_mean") && metric.args().isEmpty();
    }

    private static double orNaN(Object value) {
        return value == null ? Double.NaN : ((Number) value).doubleValue();
    }

    /** Reads two more values of the same checkpoints, aligned with {@code steps}. */
    private double[][] valuesAt(long runId, long[] steps, MetricRef a, MetricRef b) {
        Map<Long, double[]> byStep = new HashMap<>(steps.length * 2);
        Long[] boxed = new Long[steps.length];
        for (int i = 0; i < steps.length; i++) {
            boxed[i] = steps[i];
        }
        jdbc.query(con -> {
            PreparedStatement ps = con.prepareStatement("SELECT step, " + a.sql() + ", " + b.sql()
                    + " FROM checkpoint WHERE run_id = ? AND step = ANY (?)");
            int i = 1;
            for (Object arg : a.args()) {
                ps.setObject(i++, arg);
            }
            for (Object arg : b.args()) {
                ps.setObject(i++, arg);
            }
            ps.setLong(i++, runId);
            ps.setArray(i, con.createArrayOf("int8", boxed));
            return ps;
        }, rs -> {
            // SQL NULL (no interval stored) is NaN here, not getDouble's 0
            byStep.put(rs.getLong(1), new double[] {orNaN(rs.getObject(2)), orNaN(rs.getObject(3))});
        });
        double[][] out = new double[2][steps.length];
        for (int i = 0; i < steps.length; i++) {
            double[] v = byStep.getOrDefault(steps[i], new double[] {Double.NaN, Double.NaN});
            out[0][i] = v[0];
            out[1][i] = v[1];
        }
        return out;
    }

    /**
     * Checks a requested number of points.
     *
     * @param points the request
     * @throws ApiProblem 400 when out of range
     */
    static void checkPoints(int points) {
        if (points < MIN_POINTS || points > MAX_POINTS) {
            throw ApiProblem.invalid("points", "must be in [4, " + MAX_POINTS + "]");
        }
    }
}
