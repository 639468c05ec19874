package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.ingest.CheckpointJson;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads and writes alert episodes and their transitions (in the caller's transaction). */
@Component
class AlertStore {

    private static final String COLUMNS = "a.id, a.rule_id, a.slice_key, a.state, a.consecutive, a.clear_streak, a.started_step,"
            + " a.last_step, a.last_value, a.summary, a.started_at, a.fired_at, a.ended_at, a.last_notified_at,"
            + " a.notifications";

    private final JdbcTemplate jdbc;

    AlertStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Loads the latest episode of every instance of a run.
     *
     * @param runId the run
     * @return episodes keyed by {@link #key}
     */
    Map<String, AlertState> latest(long runId) {
        Map<String, AlertState> out = new HashMap<>();
        jdbc.query("SELECT DISTINCT ON (a.rule_id, a.slice_key) " + COLUMNS
                + " FROM alert a WHERE a.run_id = ? ORDER BY a.rule_id, a.slice_key, a.id DESC", rs -> {
                    AlertState s = read(rs);
                    out.put(key(s.ruleId, s.sliceKey), s);
                }, runId);
        return out;
    }

    /**
     * An open episode with its run.
     *
     * @param runId the run's id
     * @param runKey the run's key
     * @param state the episode
     */
    record OpenAlert(long runId, String runKey, AlertState state) {}

    /**
     * Loads and locks the open episodes of a rule (and their runs).
     *
     * @param ruleId the rule
     * @return the episodes, in id order
     */
    List<OpenAlert> open(long ruleId) {
        // lock the runs first, as ingest does: an upload of one of these runs in flight finishes before
        // the rule change reads its alerts, and one that starts later sees the change
        jdbc.query("""
                SELECT id FROM run WHERE id IN (SELECT run_id FROM alert WHERE rule_id = ? AND state IN ('pending', 'firing'))
                ORDER BY id FOR UPDATE
                """, rs -> { }, ruleId);
        return jdbc.query("SELECT " + COLUMNS + ", r.run_key, a.run_id FROM alert a JOIN run r ON r.id = a.run_id"
                        + " WHERE a.rule_id = ? AND a.state IN ('pending', 'firing') ORDER BY a.id FOR UPDATE OF a",
                (rs, i) -> new OpenAlert(rs.getLong("run_id"), rs.getString("run_key"), read(rs)), ruleId);
    }

    /**
     * Loads and locks the open episodes of a run (its row is locked by the caller).
     *
     * @param runId the run
     * @return the episodes, in id order
     */
    List<AlertState> openOfRun(long runId) {
        return jdbc.query("SELECT " + COLUMNS + " FROM alert a WHERE a.run_id = ? AND a.state IN ('pending', 'firing')"
                + " ORDER BY a.id FOR UPDATE", (rs, i) -> read(rs), runId);
    }

    /**
     * Tells whether a run has ended (completed, failed or stopped).
     *
     * @param runId the run
     * @return true once its end was recorded
     */
    boolean runEnded(long runId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT status <> 'running' FROM run WHERE id = ?",
                Boolean.class, runId));
    }

    /**
     * The key of an instance in {@link #latest}.
     *
     * @param ruleId the rule
     * @param sliceKey the slice key
     * @return the key
     */
    static String key(long ruleId, String sliceKey) {
        return ruleId + "/" + sliceKey;
    }

    /**
     * Saves an episode after a state-machine step and records its transition.
     *
     * @param runId the run
     * @param s the episode
     * @param change what the step changed
     * @param note why, for the transition (may be null)
     */
    void save(long runId, AlertState s, AlertStateMachine.Change change, String note) {
        if (s.id == null) {
            s.id = jdbc.queryForObject("""
                    INSERT INTO alert (rule_id, run_id, slice_key, state, consecutive, clear_streak, started_step, last_step,
                        last_value, summary, started_at, fired_at, ended_at, last_notified_at, notifications)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """, Long.class, s.ruleId, runId, s.sliceKey, s.state.wireName(), s.consecutive, s.clearStreak,
                    s.startedStep, s.lastStep,
                    s.lastValue, s.summary(), ts(s.startedAt), ts(s.firedAt), ts(s.endedAt), ts(s.lastNotifiedAt),
                    s.notifications);
        } else {
            jdbc.update("""
                    UPDATE alert SET state = ?, consecutive = ?, clear_streak = ?, last_step = ?, last_value = ?, summary = ?, fired_at = ?,
                        ended_at = ?, last_notified_at = ?, notifications = ? WHERE id = ?
                    """, s.state.wireName(), s.consecutive, s.clearStreak, s.lastStep, s.lastValue, s.summary(), ts(s.firedAt), ts(s.endedAt),
                    ts(s.lastNotifiedAt), s.notifications, s.id);
        }
        if (change.state() != null) {
            jdbc.update("INSERT INTO alert_transition (alert_id, state, step, value, note) VALUES (?, ?, ?, ?, ?)",
                    s.id, change.state().wireName(), s.lastStep, s.lastValue, note != null ? note : s.summary());
        }
    }

    /**
     * Records what a rule last saw on a run (its observation at an upload's newest checkpoint), whether
     * or not the condition held.
     *
     * @param ruleId the rule
     * @param runId the run
     * @param step the checkpoint's step
     * @param holds whether the condition held there
     * @param value the observed value (may be null)
     * @param summary what was seen, in words
     * @param at when
     */
    void saveStatus(long ruleId, long runId, long step, boolean holds, Double value, String summary, Instant at) {
        jdbc.update("""
                INSERT INTO rule_run_status (rule_id, run_id, step, holds, value, summary, observed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (rule_id, run_id) DO UPDATE SET step = EXCLUDED.step, holds = EXCLUDED.holds,
                    value = EXCLUDED.value, summary = EXCLUDED.summary, observed_at = EXCLUDED.observed_at
                WHERE rule_run_status.step <= EXCLUDED.step
                """, ruleId, runId, step, holds, value, summary, ts(at));
    }

    /**
     * Forgets what a rule saw on every run (the rule changed or was deleted).
     *
     * @param ruleId the rule
     */
    void clearStatus(long ruleId) {
        jdbc.update("DELETE FROM rule_run_status WHERE rule_id = ?", ruleId);
    }

    /**
     * Reads the valid checkpoint {@code n} valid checkpoints before a step, for rate windows.
     *
     * @param runId the run
     * @param step the current step
     * @param n how many checkpoints back, at least 1
     * @return its numbers, or null when the run has fewer checkpoints
     */
    MetricSource lookBack(long runId, long step, int n) {
        List<MetricSource> found = jdbc.query("""
                SELECT step, metrics, slices, task_metrics, trainable_fraction, global_relative_l2 FROM checkpoint
                WHERE run_id = ? AND valid AND step < ? ORDER BY step DESC OFFSET ? LIMIT 1
                """, (rs, i) -> new MetricSource(rs.getLong(1), CheckpointJson.readMetrics(rs.getString(2)),
                        CheckpointJson.readSlices(rs.getString(3)), CheckpointJson.readTaskMetrics(rs.getString(4)),
                        (Double) rs.getObject(5), (Double) rs.getObject(6)),
                runId, step, n - 1);
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * Reads a run's flags as stored by the flagging of the current transaction.
     *
     * @param runId the run
     * @return its flags
     */
    ConditionEvaluator.RunFlags flags(long runId) {
        return jdbc.queryForObject("SELECT flag_parameter_heavy, flag_drifts_far FROM run WHERE id = ?",
                (rs, i) -> new ConditionEvaluator.RunFlags(rs.getBoolean(1), rs.getBoolean(2)), runId);
    }

    private static AlertState read(ResultSet rs) throws SQLException {
        AlertState s = new AlertState(rs.getLong("rule_id"), rs.getString("slice_key"));
        s.id = rs.getLong("id");
        s.state = AlertStatus.fromWire(rs.getString("state"));
        s.consecutive = rs.getInt("consecutive");
        s.clearStreak = rs.getInt("clear_streak");
        s.startedStep = rs.getLong("started_step");
        s.lastStep = rs.getLong("last_step");
        s.lastValue = (Double) rs.getObject("last_value");
        s.summary = rs.getString("summary");
        s.startedAt = instant(rs, "started_at");
        s.firedAt = instant(rs, "fired_at");
        s.endedAt = instant(rs, "ended_at");
        s.lastNotifiedAt = instant(rs, "last_notified_at");
        s.notifications = rs.getInt("notifications");
        return s;
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant t) {
        return t == null ? null : Timestamp.from(t);
    }
}
