package dev.driftwatch.benchmarks;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * The raw baseline: the rows the service stores for checkpoints, written with PostgreSQL COPY on one
 * connection, bypassing HTTP, JSON and validation.
 */
final class RawCopy {

    private static final String CHECKPOINT_COLUMNS = "run_id, step, epoch, measured_at, valid, approximation,"
            + " temperature, probe_count, kl_count, kl_mean, kl_p50, kl_p90, kl_p99, kl_max, kl_ci_low, kl_ci_high,"
            + " train_loss, validate_loss, total_parameters, trainable_parameters, trainable_fraction,"
            + " global_relative_l2, metrics, slices, top_examples, task_metrics";

    private RawCopy() {}

    /** Renders the checkpoint rows as COPY text (outside the timed part). */
    static String checkpointRows(long runId, List<CheckpointGenerator.Generated> checkpoints, boolean withSlices) {
        StringBuilder sb = new StringBuilder(checkpoints.size() * 4096);
        for (CheckpointGenerator.Generated g : checkpoints) {
            double kl = g.kl();
            sb.append(String.format(Locale.ROOT,
                    "%d\t%d\t%d\t2026-11-27 08:00:00+00\tt\texact\t1\t600\t600\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s"
                            + "\t1000000\t1000000\t1\t0.05\t",
                    runId, g.step(), g.step() / 1000, kl, kl * 0.8, kl * 1.5, kl * 1.9, kl * 2.0, kl * 0.95,
                    kl * 1.05, 1.0 / (1 + g.step()), 1.1 / (1 + g.step())));
            sb.append(g.metricsJson()).append('\t').append(withSlices ? g.slicesJson() : "[]").append('\t')
                    .append(g.topJson()).append('\t').append(g.taskJson()).append('\n');
        }
        return sb.toString();
    }

    /** Renders the tensor rows as COPY text (outside the timed part). */
    static String tensorRows(long runId, List<CheckpointGenerator.Generated> checkpoints) {
        StringBuilder idx = new StringBuilder("{");
        StringBuilder trues = new StringBuilder("{");
        StringBuilder falses = new StringBuilder("{");
        StringBuilder sizes = new StringBuilder("{");
        StringBuilder base = new StringBuilder("{");
        StringBuilder rank = new StringBuilder("{");
        for (int t = 0; t < CheckpointGenerator.TENSORS; t++) {
            String sep = t > 0 ? "," : "";
            idx.append(sep).append(t);
            trues.append(sep).append('t');
            falses.append(sep).append('f');
            sizes.append(sep).append(4096);
            base.append(sep).append("10.0");
            rank.append(sep).append("2.5");
        }
        String fixed = idx + "}\t" + trues + "}\t" + falses + "}\t" + sizes + "}\t";
        StringBuilder sb = new StringBuilder(checkpoints.size() * 2048);
        for (CheckpointGenerator.Generated g : checkpoints) {
            sb.append(runId).append('\t').append(g.step()).append('\t').append(fixed);
            array(sb, g.delta());
            sb.append('\t').append(base).append("}\t");
            array(sb, g.relative());
            sb.append('\t').append(rank).append("}\n");
        }
        return sb.toString();
    }

    private static void array(StringBuilder sb, double[] values) {
        sb.append('{');
        for (int i = 0; i < values.length; i++) {
            sb.append(i > 0 ? "," : "").append(values[i]);
        }
        sb.append('}');
    }

    /** Registers the tensor names of a run, as the service does on its first upload. */
    static void tensorNames(DataSource ds, long runId) throws SQLException {
        try (Connection c = ds.getConnection(); var ps = c.prepareStatement(
                "INSERT INTO run_tensor (run_id, tensor_idx, name) VALUES (?, ?, ?)")) {
            for (int t = 0; t < CheckpointGenerator.TENSORS; t++) {
                ps.setLong(1, runId);
                ps.setInt(2, t);
                ps.setString(3, String.format(Locale.ROOT, "layer%02d_weight", t));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Copies prepared rows in one transaction. */
    static void copy(DataSource ds, String checkpointRows, String tensorRows) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            PGConnection pg = c.unwrap(PGConnection.class);
            pg.getCopyAPI().copyIn("COPY checkpoint (" + CHECKPOINT_COLUMNS + ") FROM STDIN",
                    new StringReader(checkpointRows));
            if (tensorRows != null) {
                pg.getCopyAPI().copyIn("COPY checkpoint_tensors (run_id, step, tensor_idx, trainable, buffer, size,"
                        + " delta_l2, base_l2, relative, stable_rank) FROM STDIN", new StringReader(tensorRows));
            }
            c.commit();
        }
    }

    /**
     * Loads a run's headline trajectory as slim checkpoint rows (the headline and its CI, empty jsonb)
     * with COPY, {@code chunk} rows per transaction, generating the rows as it goes: the way to put
     * millions of checkpoints into one run in minutes.
     *
     * @param ds the database
     * @param runId the run
     * @param count checkpoints, at steps 0 to count - 1
     * @param chunk rows per COPY and transaction
     * @param kl the headline value of a step
     */
    static void slimTrajectory(DataSource ds, long runId, long count, int chunk, java.util.function.LongToDoubleFunction kl)
            throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            PGConnection pg = c.unwrap(PGConnection.class);
            StringBuilder sb = new StringBuilder(chunk * 96);
            for (long from = 0; from < count; from += chunk) {
                sb.setLength(0);
                for (long step = from; step < Math.min(count, from + chunk); step++) {
                    double v = kl.applyAsDouble(step);
                    sb.append(runId).append('\t').append(step).append("\t2026-11-27 08:00:00+00\tt\texact\t1\t600\t")
                            .append(v).append('\t').append(v * 0.95).append('\t').append(v * 1.05).append("\t{}\n");
                }
                pg.getCopyAPI().copyIn("COPY checkpoint (run_id, step, measured_at, valid, approximation, temperature,"
                        + " probe_count, kl_mean, kl_ci_low, kl_ci_high, metrics) FROM STDIN", new StringReader(sb.toString()));
                c.commit();
            }
        }
    }

    /** Looks up a run's id. */
    static long runId(DataSource ds, String runKey) throws SQLException {
        try (Connection c = ds.getConnection(); var ps = c.prepareStatement("SELECT id FROM run WHERE run_key = ?")) {
            ps.setString(1, runKey);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
