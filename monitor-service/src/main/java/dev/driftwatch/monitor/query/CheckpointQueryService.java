package dev.driftwatch.monitor.query;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.Statistic;
import dev.driftwatch.contract.TensorDrift;
import dev.driftwatch.contract.TopExample;
import dev.driftwatch.monitor.ingest.CheckpointJson;
import dev.driftwatch.monitor.problem.ApiProblem;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Reads the detail of checkpoints: whole checkpoints, slices, parameter tensors, top examples. */
@Service
public class CheckpointQueryService {

    private final JdbcTemplate jdbc;

    CheckpointQueryService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The names a checkpoint reports.
     *
     * @param metrics its distribution metrics (those of the contract and any a newer plugin sent), by name
     * @param taskMetrics its task metrics (the trainer's losses and accuracies), by name
     */
    public record MetricNamesAt(List<String> metrics, List<String> taskMetrics) {

        /** No checkpoint yet. */
        public static final MetricNamesAt NONE = new MetricNamesAt(List.of(), List.of());
    }

    /**
     * Reads which metrics one checkpoint reports, for the run page's metric picker.
     *
     * @param runId the run
     * @param step the step
     * @return the names, sorted
     */
    @Transactional(readOnly = true)
    public MetricNamesAt metricNamesAt(long runId, long step) {
        return new MetricNamesAt(
                jdbc.queryForList("SELECT jsonb_object_keys(metrics) FROM checkpoint WHERE run_id = ? AND step = ?"
                        + " ORDER BY 1", String.class, runId, step),
                jdbc.queryForList("SELECT jsonb_object_keys(task_metrics) FROM checkpoint WHERE run_id = ?"
                        + " AND step = ? ORDER BY 1", String.class, runId, step));
    }

    /**
     * Reads one checkpoint in its wire form (what the plugin uploaded, defaults filled in).
     *
     * @param runId the run
     * @param runKey the run's key
     * @param step the step
     * @return the checkpoint
     * @throws ApiProblem 404 when the step is not stored
     */
    @Transactional(readOnly = true)
    public CheckpointReport checkpoint(long runId, String runKey, long step) {
        List<CheckpointReport> found = jdbc.query("""
                SELECT step, epoch, measured_at, valid, invalid_reason, approximation, temperature, probe_count,
                       metrics::text, slices::text, top_examples::text, task_metrics::text, total_parameters,
                       trainable_parameters, trainable_fraction, global_relative_l2
                FROM checkpoint WHERE run_id = ? AND step = ?
                """, (rs, n) -> new CheckpointReport(runKey, rs.getLong(1), rs.getInt(2), rs.getTimestamp(3).toInstant(),
                        rs.getBoolean(4), rs.getString(5), rs.getString(6), rs.getDouble(7), rs.getInt(8),
                        CheckpointJson.readMetrics(rs.getString(9)), CheckpointJson.readSlices(rs.getString(10)),
                        CheckpointJson.readTopExamples(rs.getString(11)),
                        rs.getObject(13) == null ? null : new ParameterDrift(rs.getLong(13),
                                rs.getLong(14), rs.getDouble(15), rs.getDouble(16), List.of()),
                        CheckpointJson.readTaskMetrics(rs.getString(12))),
                runId, step);
        if (found.isEmpty()) {
            throw ApiProblem.notFound("checkpoint at step " + step);
        }
        CheckpointReport c = found.get(0);
        if (c.parameters() == null) {
            return c;
        }
        ParameterDrift p = c.parameters();
        List<TensorDrift> tensors = tensorsAt(runId, step).map(TensorsAt::tensors).orElse(List.of());
        return new CheckpointReport(runKey, c.step(), c.epoch(), c.time(), c.valid(), c.invalidReason(), c.approximation(),
                c.temperature(), c.probeCount(), c.metrics(), c.slices(), c.topExamples(),
                new ParameterDrift(p.totalParameters(), p.trainableParameters(), p.trainableFraction(),
                        p.globalRelativeL2(), tensors), c.taskMetrics());
    }

    /**
     * The parameter tensors of one checkpoint.
     *
     * @param step the checkpoint's step
     * @param tensors per-tensor drift, in upload order
     */
    public record TensorsAt(long step, List<TensorDrift> tensors) {}

    /**
     * Reads the tensor drift at a step, or at the latest step that has it.
     *
     * @param runId the run
     * @param step the step, or null for the latest
     * @return the tensors, if that checkpoint has parameter drift
     */
    @Transactional(readOnly = true)
    public java.util.Optional<TensorsAt> tensorsAt(long runId, Long step) {
        String where = step == null ? "run_id = ? ORDER BY step DESC LIMIT 1" : "run_id = ? AND step = ?";
        Object[] args = step == null ? new Object[] {runId} : new Object[] {runId, step};
        List<TensorsAt> rows = jdbc.query("SELECT step, tensor_idx, trainable, buffer, size, delta_l2, base_l2,"
                + " relative, stable_rank FROM checkpoint_tensors WHERE " + where, (rs, n) -> {
                    Integer[] idx = (Integer[]) rs.getArray(2).getArray();
                    Boolean[] trainable = (Boolean[]) rs.getArray(3).getArray();
                    Boolean[] buffer = (Boolean[]) rs.getArray(4).getArray();
                    Long[] size = (Long[]) rs.getArray(5).getArray();
                    Double[] delta = doubles(rs, 6);
                    Double[] base = doubles(rs, 7);
                    Double[] relative = doubles(rs, 8);
                    Double[] rank = doubles(rs, 9);
                    Map<Integer, String> names = tensorNames(runId, java.util.Arrays.asList(idx));
                    List<TensorDrift> tensors = new ArrayList<>(idx.length);
                    for (int i = 0; i < idx.length; i++) {
                        tensors.add(new TensorDrift(names.get(idx[i]), trainable[i], buffer[i], size[i],
                                delta[i], base[i], relative[i], rank[i]));
                    }
                    return new TensorsAt(rs.getLong(1), tensors);
                }, args);
        return rows.stream().findFirst();
    }

    /**
     * One value of every tensor over steps, for a heatmap.
     *
     * @param stat the tensor value: relative, deltaL2, baseL2 or stableRank
     * @param tensors tensor names (rows)
     * @param steps steps (columns)
     * @param values {@code values[tensor][step]}, null where a tensor is absent at a step
     * @param tensorCount the run's tensors: more than the rows where {@link #MAX_HISTORY_TENSORS} cut them
     */
    public record TensorHistory(String stat, List<String> tensors, long[] steps, Double[][] values, long tensorCount) {}

    /** The most values one tensor history holds (tensors times steps): about 20 MB of JSON. */
    static final long MAX_HISTORY_VALUES = 2_000_000;

    /**
     * The most rows (tensors) one tensor history holds, as many as one checkpoint may have by default: a run
     * whose tensors' names change from checkpoint to checkpoint can have any number of them (200,000 names of
     * 500 characters made a 113 MB answer, and three at once ran the service out of memory).
     */
    static final int MAX_HISTORY_TENSORS = 10_000;

    /**
     * The steps a tensor history of {@code tensors} rows may have: {@code points}, or fewer, so that the
     * matrix holds at most {@link #MAX_HISTORY_VALUES} values (a run of 10,000 tensors gets 200 steps); at
     * least one.
     *
     * @param points the steps asked for
     * @param tensors the run's tensors
     * @return the steps to read
     */
    static int historyPoints(int points, int tensors) {
        return (int) Math.max(1, Math.min(points, MAX_HISTORY_VALUES / Math.max(1, tensors)));
    }

    /**
     * Reads every tensor's drift over the run, at most {@code points} steps (evenly strided, the last
     * step always included), and fewer where the run has so many tensors that the matrix would pass
     * {@link #MAX_HISTORY_VALUES} values; at most {@link #MAX_HISTORY_TENSORS} rows (beyond the per-checkpoint
     * limit, the last chosen step's tensors), those of the last chosen step first, then of the steps before it
     * (a run whose tensor names change), in the order the run first sent them.
     *
     * @param runId the run
     * @param stat relative, deltaL2, baseL2 or stableRank
     * @param from first step or null
     * @param to last step or null
     * @param points most steps
     * @return the matrix
     */
    @Transactional(readOnly = true)
    public TensorHistory tensorHistory(long runId, String stat, Long from, Long to, int points) {
        TrajectoryService.checkPoints(points);
        String column = switch (stat == null ? "relative" : stat) {
            case "relative" -> "relative";
            case "deltaL2" -> "delta_l2";
            case "baseL2" -> "base_l2";
            case "stableRank" -> "stable_rank";
            default -> throw ApiProblem.invalid("stat", "must be relative, deltaL2, baseL2 or stableRank");
        };
        long lo = from == null ? 0 : from;
        long hi = to == null ? Long.MAX_VALUE : to;
        List<Long> allSteps = jdbc.queryForList(
                "SELECT step FROM checkpoint_tensors WHERE run_id = ? AND step BETWEEN ? AND ? ORDER BY step",
                Long.class, runId, lo, hi);
        Long counted = jdbc.queryForObject("SELECT count(*) FROM run_tensor WHERE run_id = ?", Long.class, runId);
        long tensorCount = counted == null ? 0 : counted;
        List<Long> chosen = stride(allSteps, historyPoints(points, (int) Math.min(tensorCount, MAX_HISTORY_TENSORS)));
        Map<Long, Integer> col = new HashMap<>();
        for (int i = 0; i < chosen.size(); i++) {
            col.put(chosen.get(i), i);
        }
        // each chosen step's tensors and values (at most the per-checkpoint limit each)
        List<Integer[]> indices = new ArrayList<>(java.util.Collections.nCopies(chosen.size(), (Integer[]) null));
        List<Double[]> stepValues = new ArrayList<>(java.util.Collections.nCopies(chosen.size(), (Double[]) null));
        if (!chosen.isEmpty()) {
            jdbc.query(con -> {
                var ps = con.prepareStatement("SELECT step, tensor_idx, " + column
                        + " FROM checkpoint_tensors WHERE run_id = ? AND step = ANY (?)");
                ps.setLong(1, runId);
                ps.setArray(2, con.createArrayOf("int8", chosen.toArray()));
                return ps;
            }, rs -> {
                int c = col.get(rs.getLong(1));
                indices.set(c, (Integer[]) rs.getArray(2).getArray());
                stepValues.set(c, doubles(rs, 3));
            });
        }
        // the rows: the tensors of the last chosen step, then those of the others, up to the bound; in index order
        java.util.TreeSet<Integer> kept = new java.util.TreeSet<>();
        for (int c = chosen.size() - 1; c >= 0 && kept.size() < MAX_HISTORY_TENSORS; c--) {
            Integer[] step = indices.get(c) == null ? new Integer[0] : indices.get(c).clone();
            java.util.Arrays.sort(step);
            boolean last = c == chosen.size() - 1; // (kept whole, however many)
            for (int i = 0; i < step.length && (last || kept.size() < MAX_HISTORY_TENSORS); i++) {
                kept.add(step[i]);
            }
        }
        List<Integer> order = new ArrayList<>(kept);
        Map<Integer, Integer> row = new HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            row.put(order.get(i), i);
        }
        Double[][] values = new Double[order.size()][chosen.size()];
        for (int c = 0; c < chosen.size(); c++) {
            Integer[] idx = indices.get(c);
            for (int i = 0; idx != null && i < idx.length; i++) {
                Integer r = row.get(idx[i]);
                if (r != null) {
                    values[r][c] = stepValues.get(c)[i];
                }
            }
        }
        Map<Integer, String> names = tensorNames(runId, order);
        List<String> tensorNames = order.stream().map(names::get).toList();
        return new TensorHistory(stat == null ? "relative" : stat, tensorNames,
                chosen.stream().mapToLong(Long::longValue).toArray(), values, tensorCount);
    }

    /**
     * The top drifting examples of one checkpoint.
     *
     * @param step the checkpoint's step
     * @param examples the examples, in upload order (descending value)
     */
    public record TopExamplesAt(long step, List<TopExample> examples) {}

    /**
     * Returns the latest step of a valid checkpoint.
     *
     * @param runId the run
     * @return the step
     * @throws ApiProblem 404 when the run has no valid checkpoint
     */
    @Transactional(readOnly = true)
    public long latestValidStep(long runId) {
        List<Long> steps = jdbc.queryForList(
                "SELECT step FROM checkpoint WHERE run_id = ? AND valid ORDER BY step DESC LIMIT 1", Long.class, runId);
        if (steps.isEmpty()) {
            throw ApiProblem.notFound("a valid checkpoint");
        }
        return steps.get(0);
    }

    /**
     * Reads the top examples at a step, or at the latest step.
     *
     * @param runId the run
     * @param step the step, or null for the latest
     * @return the examples
     * @throws ApiProblem 404 when there is no such checkpoint
     */
    @Transactional(readOnly = true)
    public TopExamplesAt topExamples(long runId, Long step) {
        String where = step == null ? "run_id = ? ORDER BY step DESC LIMIT 1" : "run_id = ? AND step = ?";
        Object[] args = step == null ? new Object[] {runId} : new Object[] {runId, step};
        List<TopExamplesAt> rows = jdbc.query("SELECT step, top_examples::text FROM checkpoint WHERE " + where,
                (rs, n) -> new TopExamplesAt(rs.getLong(1), CheckpointJson.readTopExamples(rs.getString(2))), args);
        if (rows.isEmpty()) {
            throw ApiProblem.notFound(step == null ? "any checkpoint" : "checkpoint at step " + step);
        }
        return rows.get(0);
    }

    /**
     * The trajectories of one metric per slice.
     *
     * @param metric the metric name
     * @param stat the statistic
     * @param slices one series per slice, in first-seen order
     */
    public record SliceTrajectories(String metric, String stat, List<SliceSeries> slices) {}

    /**
     * One slice's trajectory.
     *
     * @param slice the slice label
     * @param steps the steps
     * @param values the values
     */
    public record SliceSeries(String slice, long[] steps, double[] values) {}

    /**
     * Reads every slice's trajectory of a distribution metric, each downsampled to {@code points}.
     *
     * @param runId the run
     * @param metric a distribution metric
     * @param from first step or null
     * @param to last step or null
     * @param points most points per slice
     * @return one series per slice
     */
    @Transactional(readOnly = true)
    public SliceTrajectories slices(long runId, MetricRef metric, Long from, Long to, int points) {
        TrajectoryService.checkPoints(points);
        if (!metric.hasCi()) {
            throw ApiProblem.invalid("metric", "slices have distribution metrics only");
        }
        int statIndex = metric.statistic().storedIndex();
        long lo = from == null ? 0 : from;
        long hi = to == null ? Long.MAX_VALUE : to;
        Map<String, List<double[]>> bySlice = new LinkedHashMap<>();
        jdbc.query("SELECT c.step, s ->> 'slice', (s -> 'metrics' -> ? ->> " + statIndex + ")::float8"
                        + " FROM checkpoint c CROSS JOIN LATERAL jsonb_array_elements(c.slices) s"
                        + " WHERE c.run_id = ? AND c.step BETWEEN ? AND ? ORDER BY c.step",
                rs -> {
                    double v = rs.getDouble(3);
                    if (!rs.wasNull()) {
                        bySlice.computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
                                .add(new double[] {rs.getLong(1), v});
                    }
                }, metric.metric(), runId, lo, hi);
        List<SliceSeries> out = new ArrayList<>();
        bySlice.forEach((slice, pts) -> {
            Downsampler d = new Downsampler((long) pts.get(0)[0], (long) pts.get(pts.size() - 1)[0], pts.size(),
                    points);
            pts.forEach(p -> d.add((long) p[0], p[1]));
            Downsampler.Series s = d.finish();
            out.add(new SliceSeries(slice, s.steps(), s.values()));
        });
        return new SliceTrajectories(metric.metric(), metric.stat(), out);
    }

    /**
     * Writes a run's checkpoints as CSV: one row per checkpoint, every metric summary, task metric and
     * parameter total as columns.
     *
     * @param runId the run
     * @param out where to write
     */
    @Transactional(readOnly = true)
    public void exportCsv(long runId, java.io.PrintWriter out) {
        List<String> tasks = jdbc.queryForList("SELECT DISTINCT jsonb_object_keys(task_metrics) AS k"
                + " FROM checkpoint WHERE run_id = ? ORDER BY k", String.class, runId);
        // the known metrics in the contract's order, then any a newer plugin sent, by name
        List<String> metricNames = new ArrayList<>(Metric.allWireNames());
        jdbc.queryForList("SELECT DISTINCT jsonb_object_keys(metrics) AS k FROM checkpoint WHERE run_id = ? ORDER BY k",
                String.class, runId).stream().filter(k -> Metric.byName(k).isEmpty()).forEach(metricNames::add);
        StringBuilder header = new StringBuilder("step,epoch,time,valid,invalid_reason,approximation,temperature,"
                + "probe_count");
        for (String m : metricNames) {
            header.append(',').append(m).append("_count");
            for (String s : Statistic.allWireNames()) {
                header.append(',').append(m).append('_').append(s);
            }
        }
        for (String t : tasks) {
            header.append(',').append(Csv.field(t));
        }
        header.append(",total_parameters,trainable_parameters,trainable_fraction,global_relative_l2");
        out.println(header);
        jdbc.query("SELECT step, epoch, measured_at, valid, invalid_reason, approximation, temperature, probe_count,"
                + " metrics::text, task_metrics::text, total_parameters, trainable_parameters, trainable_fraction,"
                + " global_relative_l2 FROM checkpoint WHERE run_id = ? ORDER BY step", rs -> {
                    StringBuilder line = new StringBuilder();
                    line.append(rs.getLong(1)).append(',').append(rs.getInt(2)).append(',')
                            .append(rs.getTimestamp(3).toInstant()).append(',').append(rs.getBoolean(4)).append(',')
                            .append(Csv.field(rs.getString(5))).append(',').append(rs.getString(6)).append(',')
                            .append(rs.getDouble(7)).append(',').append(rs.getInt(8));
                    Map<String, MetricSummary> metrics = CheckpointJson.readMetrics(rs.getString(9));
                    for (String m : metricNames) {
                        MetricSummary s = metrics.get(m);
                        if (s == null) {
                            line.append(",".repeat(1 + Statistic.values().length));
                        } else {
                            line.append(',').append(s.count());
                            for (Statistic stat : Statistic.values()) {
                                line.append(',').append(stat.of(s));
                            }
                        }
                    }
                    Map<String, Double> taskValues = CheckpointJson.readTaskMetrics(rs.getString(10));
                    for (String t : tasks) {
                        Double v = taskValues.get(t);
                        line.append(',').append(v == null ? "" : v.toString());
                    }
                    for (int c = 11; c <= 14; c++) {
                        Object v = rs.getObject(c);
                        line.append(',').append(v == null ? "" : v.toString());
                    }
                    out.println(line);
                }, runId);
    }

    /** The names of some of a run's tensors, by index. */
    private Map<Integer, String> tensorNames(long runId, java.util.Collection<Integer> indices) {
        Map<Integer, String> names = new HashMap<>();
        if (indices.isEmpty()) {
            return names;
        }
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT tensor_idx, name FROM run_tensor WHERE run_id = ? AND tensor_idx = ANY (?)");
            ps.setLong(1, runId);
            ps.setArray(2, con.createArrayOf("int4", indices.toArray()));
            return ps;
        }, rs -> {
            names.put(rs.getInt(1), rs.getString(2));
        });
        return names;
    }

    private static Double[] doubles(ResultSet rs, int column) throws SQLException {
        Array a = rs.getArray(column);
        return (Double[]) a.getArray();
    }

    /** Picks at most {@code points} of the steps, evenly strided, always keeping the last. */
    static List<Long> stride(List<Long> steps, int points) {
        if (steps.size() <= points) {
            return steps;
        }
        List<Long> out = new ArrayList<>(points);
        double stride = (double) (steps.size() - 1) / (points - 1);
        for (int i = 0; i < points; i++) {
            out.add(steps.get((int) Math.round(i * stride)));
        }
        return out;
    }
}
