package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.contract.ParameterDrift;
import dev.driftwatch.contract.TensorDrift;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes checkpoints with PostgreSQL COPY (the hot path of ingestion): one {@code checkpoint} row
 * each, plus one {@code checkpoint_tensors} row when parameter drift is present. Runs inside the
 * caller's transaction, on its connection.
 */
@Component
class CheckpointWriter {

    private static final String COPY_CHECKPOINT = """
            COPY checkpoint (run_id, step, epoch, measured_at, received_at, valid, invalid_reason, approximation,
                temperature, probe_count, kl_count, kl_mean, kl_p50, kl_p90, kl_p99, kl_max, kl_ci_low, kl_ci_high,
                train_loss, validate_loss, total_parameters, trainable_parameters, trainable_fraction,
                global_relative_l2, metrics, slices, top_examples, task_metrics) FROM STDIN
            """;
    private static final String COPY_TENSORS = """
            COPY checkpoint_tensors (run_id, step, tensor_idx, trainable, buffer, size, delta_l2, base_l2, relative,
                stable_rank) FROM STDIN
            """;

    private final JdbcTemplate jdbc;

    CheckpointWriter(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts new checkpoints with COPY on the transaction's connection (so a failure rolls back
     * everything); the caller guarantees their steps are not stored yet.
     *
     * @param runId the run
     * @param checkpoints the checkpoints
     * @param receivedAt the time of receipt
     */
    void insert(long runId, List<CheckpointReport> checkpoints, Instant receivedAt) {
        String received = receivedAt.toString();
        CopyText rows = new CopyText(checkpoints.size() * 2048);
        for (CheckpointReport c : checkpoints) {
            rows.number(runId).number(c.step()).number(c.epoch()).text(c.time().toString()).text(received)
                    .bool(c.valid()).text(c.invalidReason()).text(c.approximation()).number(c.temperature())
                    .number(c.probeCount());
            MetricSummary h = c.headline();
            if (h == null) {
                for (int k = 0; k < 8; k++) {
                    rows.number((Number) null);
                }
            } else {
                rows.number(h.count()).number(h.mean()).number(h.p50()).number(h.p90()).number(h.p99())
                        .number(h.max()).number(h.ciLow()).number(h.ciHigh());
            }
            rows.number(c.taskMetrics().get("train_loss")).number(c.taskMetrics().get("validate_loss"));
            ParameterDrift p = c.parameters();
            if (p == null) {
                rows.number((Number) null).number((Number) null).number((Number) null).number((Number) null);
            } else {
                rows.number(p.totalParameters()).number(p.trainableParameters()).number(p.trainableFraction())
                        .number(p.globalRelativeL2());
            }
            rows.text(CheckpointJson.metrics(c.metrics())).text(CheckpointJson.slices(c.slices()))
                    .text(CheckpointJson.topExamples(c.topExamples())).text(CheckpointJson.taskMetrics(c.taskMetrics()))
                    .endRow();
        }
        List<CheckpointReport> withTensors = checkpoints.stream()
                .filter(c -> c.parameters() != null && !c.parameters().tensors().isEmpty())
                .toList();
        String tensorRows = null;
        if (!withTensors.isEmpty()) {
            Map<String, Integer> index = tensorIndex(runId, withTensors);
            CopyText t = new CopyText(withTensors.size() * 4096);
            for (CheckpointReport c : withTensors) {
                appendTensors(t, runId, c, index);
            }
            tensorRows = t.toString();
        }
        String tensors = tensorRows;
        jdbc.execute((Connection con) -> {
            try {
                CopyManager copy = con.unwrap(PGConnection.class).getCopyAPI();
                copy.copyIn(COPY_CHECKPOINT, new StringReader(rows.toString()));
                if (tensors != null) {
                    copy.copyIn(COPY_TENSORS, new StringReader(tensors));
                }
            } catch (IOException e) {
                throw new SQLException("COPY failed", e);
            }
            return null;
        });
    }

    private static void appendTensors(CopyText t, long runId, CheckpointReport c, Map<String, Integer> index) {
        List<TensorDrift> tensors = c.parameters().tensors();
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
            TensorDrift x = tensors.get(k);
            idx[k] = index.get(x.name());
            trainable[k] = x.trainable();
            buffer[k] = x.buffer();
            size[k] = x.size();
            delta[k] = x.deltaL2();
            base[k] = x.baseL2();
            relative[k] = x.relative();
            stableRank[k] = x.stableRank();
        }
        t.number(runId).number(c.step()).array(idx).array(trainable).array(buffer).array(size).array(delta)
                .array(base).array(relative).array(stableRank).endRow();
    }

    /** Numbers the run's tensor names, adding the names this upload introduces. */
    private Map<String, Integer> tensorIndex(long runId, List<CheckpointReport> checkpoints) {
        Map<String, Integer> index = new HashMap<>();
        jdbc.query("SELECT tensor_idx, name FROM run_tensor WHERE run_id = ?",
                rs -> {
                    index.put(rs.getString(2), rs.getInt(1));
                }, runId);
        List<Object[]> added = new ArrayList<>();
        int next = index.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (CheckpointReport c : checkpoints) {
            for (TensorDrift t : c.parameters().tensors()) {
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
}
