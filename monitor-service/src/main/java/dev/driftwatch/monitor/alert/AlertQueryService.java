package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Reads alerts for the API and the UI: the open ones, the history, one alert in detail. */
@Service
public class AlertQueryService {

    /** Most episodes one history query returns. */
    public static final int MAX_LIMIT = 1000;

    private static final String SELECT = """
            SELECT a.id, a.rule_id, ar.name, ar.severity, r.run_key, a.slice_key, a.state, a.consecutive, a.started_step,
                a.last_step, a.last_value, a.summary, a.started_at, a.fired_at, a.ended_at,
                (SELECT count(*) FROM notification n WHERE n.alert_id = a.id) AS notifications,
                (SELECT count(*) FROM notification n WHERE n.alert_id = a.id AND n.status = 'delivered') AS delivered
            FROM alert a JOIN alert_rule ar ON ar.id = a.rule_id JOIN run r ON r.id = a.run_id
            WHERE ar.project_id = ?
            """;

    private final JdbcTemplate jdbc;

    AlertQueryService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A filter of alert episodes; null fields do not filter.
     *
     * @param openOnly only pending and firing episodes
     * @param ruleId only this rule's
     * @param runKey only this run's
     * @param limit at most this many, newest first (1 to {@value #MAX_LIMIT})
     * @param before only episodes older than this one (a smaller id): the next page after an answer's last
     */
    public record Filter(boolean openOnly, Long ruleId, String runKey, int limit, Long before) {

        /** The open alerts of a project, at most {@value #MAX_LIMIT}. */
        public static final Filter OPEN = new Filter(true, null, null, MAX_LIMIT, null);
    }

    /**
     * Lists alert episodes, newest first.
     *
     * @param project the project
     * @param filter which
     * @return the episodes
     */
    @Transactional(readOnly = true)
    public List<AlertView> list(Project project, Filter filter) {
        StringBuilder sql = new StringBuilder(SELECT);
        List<Object> args = new ArrayList<>(List.of(project.getId()));
        if (filter.openOnly()) {
            sql.append(" AND a.state IN ('pending', 'firing')");
        }
        if (filter.ruleId() != null) {
            sql.append(" AND a.rule_id = ?");
            args.add(filter.ruleId());
        }
        if (filter.runKey() != null) {
            sql.append(" AND r.run_key = ?");
            args.add(filter.runKey());
        }
        if (filter.before() != null) {
            sql.append(" AND a.id < ?");
            args.add(filter.before());
        }
        sql.append(" ORDER BY a.id DESC LIMIT ?");
        args.add(Math.max(1, Math.min(MAX_LIMIT, filter.limit())));
        return jdbc.query(sql.toString(), AlertQueryService::view, args.toArray());
    }

    /**
     * Returns one episode with its transitions and notifications.
     *
     * @param project the project
     * @param alertId the episode's id
     * @return the detail
     * @throws ApiProblem 404 when the project has no such alert
     */
    @Transactional(readOnly = true)
    public AlertDetail get(Project project, long alertId) {
        AlertView alert = jdbc.query(SELECT + " AND a.id = ?", AlertQueryService::view, project.getId(), alertId)
                .stream().findFirst().orElseThrow(() -> ApiProblem.notFound("alert " + alertId));
        List<AlertDetail.Transition> transitions = jdbc.query(
                "SELECT state, step, value, note, at FROM alert_transition WHERE alert_id = ? ORDER BY id",
                (rs, i) -> new AlertDetail.Transition(rs.getString(1), (Long) rs.getObject(2), (Double) rs.getObject(3),
                        rs.getString(4), AlertStore.instant(rs, "at")), alertId);
        List<AlertDetail.NotificationStatus> notifications = jdbc.query("""
                SELECT delivery_id, kind, channel_type, channel_url, status, attempts, last_error, created_at, delivered_at
                FROM notification WHERE alert_id = ? ORDER BY id
                """, (rs, i) -> new AlertDetail.NotificationStatus(rs.getObject(1, UUID.class), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getString(5), rs.getInt(6), rs.getString(7),
                        AlertStore.instant(rs, "created_at"), AlertStore.instant(rs, "delivered_at")), alertId);
        return new AlertDetail(alert, transitions, notifications);
    }

    private static AlertView view(ResultSet rs, int row) throws SQLException {
        String slice = rs.getString("slice_key");
        return new AlertView(rs.getLong("id"), rs.getLong("rule_id"), rs.getString("name"), rs.getString("severity"),
                rs.getString("run_key"), slice.isEmpty() ? null : slice, rs.getString("state"),
                rs.getInt("consecutive"), rs.getLong("started_step"), rs.getLong("last_step"),
                (Double) rs.getObject("last_value"), rs.getString("summary"), AlertStore.instant(rs, "started_at"),
                AlertStore.instant(rs, "fired_at"), AlertStore.instant(rs, "ended_at"), rs.getInt("notifications"),
                rs.getInt("delivered"));
    }
}
