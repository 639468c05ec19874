package dev.driftwatch.monitor.ingest;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes checkpoints with JDBC batches (the hot path of ingestion): one {@code checkpoint} row each,
 * plus one {@code checkpoint_tensors} row when parameter drift is present. Runs inside the caller's
 * transaction.
 */
@Component
class CheckpointWriter {

    private static final String INSERT_CHECKPOINT = """
            INSERT INTO checkpoint (run_id, step, epoch, measured_at, received_at, valid, invalid_reason,
                approximation, temperature, probe_count, kl_count, kl_mean, kl_p50, kl_p90, kl_p99, kl_max,
                kl_ci_low, kl_ci_high, train_loss, validate_loss, total_parameters, trainable_parameters,
                trainable_fraction, global_relative_l2, metrics, slices, top_examples, task_metrics)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb)
            """;
    private static final String INSERT_TENSORS = """
            INSERT INTO checkpoint_tensors (run_id, step, tensor_idx, trainable, buffer, size, delta_l2, base_l2,
                relative, stable_rank)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """;

    private final JdbcTemplate jdbc;

    CheckpointWriter(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts new checkpoints; the caller guarantees their steps are not stored yet.
     *
     * @param runId the run
     * @param checkpoints the checkpoints
     * @param receivedAt the time of receipt
     */
    void insert(long runId, List<CheckpointData> checkpoints, Instant receivedAt) {
        Timestamp received = Timestamp.from(receivedAt);
        jdbc.batchUpdate(INSERT_CHECKPOINT, checkpoints, 500, (ps, c) -> {
            int i = 1;
            ps.setLong(i++, runId);
            ps.setLong(i++, c.step());
            ps.setInt(i++, c.epoch());
            ps.setTimestamp(i++, Timestamp.from(c.time()));
            ps.setTimestamp(i++, received);
            ps.setBoolean(i++, c.valid());
            ps.setString(i++, c.invalidReason());
            ps.setString(i++, c.approximation());
            ps.setDouble(i++, c.temperature());
            ps.setInt(i++, c.probeCount());
            Summary h = c.headline();
            if (h == null) {
                ps.setNull(i++, Types.INTEGER);
                for (int k = 0; k < 7; k++) {
                    ps.setNull(i++, Types.DOUBLE);
                }
            } else {
                ps.setLong(i++, h.count());
                for (double v : new double[] {h.mean(), h.p50(), h.p90(), h.p99(), h.max(), h.ciLow(), h.ciHigh()}) {
                    ps.setDouble(i++, v);
                }
            }
            setDouble(ps, i++, c.taskMetrics().get("train_loss"));
            setDouble(ps, i++, c.taskMetrics().get("validate_loss"));
            CheckpointData.Parameters p = c.parameters();
            if (p == null) {
                ps.setNull(i++, Types.BIGINT);
                ps.setNull(i++, Types.BIGINT);
                ps.setNull(i++, Types.DOUBLE);
                ps.setNull(i++, Types.DOUBLE);
            } else {
                ps.setLong(i++, p.totalParameters());
                ps.setLong(i++, p.trainableParameters());
                ps.setDouble(i++, p.trainableFraction());
                ps.setDouble(i++, p.globalRelativeL2());
            }
            ps.setString(i++, CheckpointJson.metrics(c.metrics()));
            ps.setString(i++, CheckpointJson.slices(c.slices()));
            ps.setString(i++, CheckpointJson.topExamples(c.topExamples()));
            ps.setString(i, CheckpointJson.taskMetrics(c.taskMetrics()));
        });
        List<CheckpointData> withTensors = checkpoints.stream()
                .filter(c -> c.parameters() != null && !c.parameters().tensors().isEmpty())
                .toList();
        if (withTensors.isEmpty()) {
            return;
        }
        Map<String, Integer> index = tensorIndex(runId, withTensors);
        jdbc.batchUpdate(INSERT_TENSORS, withTensors, 500, (ps, c) -> setTensors(ps, runId, c, index));
    }

    private static void setTensors(PreparedStatement ps, long runId, CheckpointData c, Map<String, Integer> index)
            throws SQLException {
        List<CheckpointData.Tensor> tensors = c.parameters().tensors();
        int n = tensors.size();
        Integer[] idx = new Integer[n];
        Boolean[] trainable = new Boolean[n];
        Boolean[] buffer = new Boolean[n];
        Long[] size = new Long[n];
        Double[] delta = new Double[n];
        Double[] base = new Double[n];
        Double[] relative = new Double[n];
        Double[] stableRank = new Double[n];
        for (int k = 0; k < n; k++) {
            CheckpointData.Tensor t = tensors.get(k);
            idx[k] = index.get(t.name());
            trainable[k] = t.trainable();
            buffer[k] = t.buffer();
            size[k] = t.size();
            delta[k] = t.deltaL2();
            base[k] = t.baseL2();
            relative[k] = t.relative();
            stableRank[k] = t.stableRank();
        }
        Connection con = ps.getConnection();
        ps.setLong(1, runId);
        ps.setLong(2, c.step());
        ps.setArray(3, array(con, "int4", idx));
        ps.setArray(4, array(con, "bool", trainable));
        ps.setArray(5, array(con, "bool", buffer));
        ps.setArray(6, array(con, "int8", size));
        ps.setArray(7, array(con, "float8", delta));
        ps.setArray(8, array(con, "float8", base));
        ps.setArray(9, array(con, "float8", relative));
        ps.setArray(10, array(con, "float8", stableRank));
    }

    private static Array array(Connection con, String type, Object[] values) throws SQLException {
        return con.createArrayOf(type, values);
    }

    /** Numbers the run's tensor names, adding the names this upload introduces. */
    private Map<String, Integer> tensorIndex(long runId, List<CheckpointData> checkpoints) {
        Map<String, Integer> index = new HashMap<>();
        jdbc.query("SELECT tensor_idx, name FROM run_tensor WHERE run_id = ?",
                rs -> {
                    index.put(rs.getString(2), rs.getInt(1));
                }, runId);
        List<Object[]> added = new ArrayList<>();
        int next = index.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (CheckpointData c : checkpoints) {
            for (CheckpointData.Tensor t : c.parameters().tensors()) {
                if (!index.containsKey(t.name())) {
                    index.put(t.name(), next);
                    added.add(new Object[] {runId, next, t.name()});
                    next++;
                }
            }
        }
        if (!added.isEmpty()) {
            jdbc.batchUpdate("INSERT INTO run_tensor (run_id, tensor_idx, name) VALUES (?, ?, ?)", added);
        }
        return index;
    }

    private static void setDouble(PreparedStatement ps, int i, Double v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.DOUBLE);
        } else {
            ps.setDouble(i, v);
        }
    }
}
