package dev.driftwatch.monitor.query;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Trajectories of a metric, downsampled on the server ({@link Downsampler}): a primary-key range scan
 * of {@code checkpoint} streamed through the downsampler, so only the kept points leave the service.
 */
@Service
public class TrajectoryService {

    /** Default number of points, about a chart's width. */
    public static final int DEFAULT_POINTS = 1000;
    /** Most points a request may ask for. */
    public static final int MAX_POINTS = 20_000;

    private final JdbcTemplate jdbc;

    TrajectoryService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
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
        checkPoints(points);
        long lo = from == null ? 0 : from;
        long hi = to == null ? Long.MAX_VALUE : to;
        if (lo > hi) {
            throw ApiProblem.invalid("from", "must be <= to");
        }
        long[] range = jdbc.queryForObject(
                "SELECT min(step), max(step), count(*) FROM checkpoint WHERE run_id = ? AND step BETWEEN ? AND ?",
                (rs, n) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}, runId, lo, hi);
        long count = range[2];
        Downsampler sampler = new Downsampler(range[0], range[1], count, points);
        if (count > 0) {
            List<Object> args = new ArrayList<>(metric.args());
            args.add(runId);
            args.add(lo);
            args.add(hi);
            jdbc.query("SELECT step, v FROM (SELECT step, " + metric.sql() + " AS v FROM checkpoint"
                            + " WHERE run_id = ? AND step BETWEEN ? AND ?) t WHERE v IS NOT NULL ORDER BY step",
                    rs -> {
                        sampler.add(rs.getLong(1), rs.getDouble(2));
                    }, args.toArray());
        }
        Downsampler.Series series = sampler.finish();
        double[] ciLow = null;
        double[] ciHigh = null;
        if (withCi && metric.hasCi() && series.steps().length > 0) {
            double[][] band = valuesAt(runId, series.steps(), metric.withStat("ciLow"), metric.withStat("ciHigh"));
            ciLow = band[0];
            ciHigh = band[1];
        }
        return new Trajectory(runKey, metric.metric(), metric.stat(), metric.unit(), from, to, count,
                series.steps().length < count, series.steps(), series.values(), ciLow, ciHigh);
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
            byStep.put(rs.getLong(1), new double[] {rs.getDouble(2), rs.getDouble(3)});
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
        if (points < 4 || points > MAX_POINTS) {
            throw ApiProblem.invalid("points", "must be in [4, " + MAX_POINTS + "]");
        }
    }
}
