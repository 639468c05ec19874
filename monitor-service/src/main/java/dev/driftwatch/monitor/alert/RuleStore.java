package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.alert.notify.Channel;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Rule rows: the JDBC side of {@link AlertRuleService} and of the evaluator's rule lookup. */
@Component
class RuleStore {

    private static final Logger logger = LoggerFactory.getLogger(RuleStore.class);

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String SELECT = """
            SELECT ar.id, p.project_key, ar.name, ar.enabled, ar.severity, ar.scope_tag, ar.scope_run_key, ar.for_count, ar.keep_firing_for,
                ar.repeat_seconds, ar.condition::text AS condition, ar.channels::text AS channels, ar.created_at,
                ar.updated_at
            FROM alert_rule ar JOIN project p ON p.id = ar.project_id
            """;

    private final JdbcTemplate jdbc;

    RuleStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A project's rules, not deleted, read the tolerant way: the ones this version cannot read (see
     * {@link UnreadableRule}) apart and logged, so that they do not take the whole list down with them.
     *
     * @param projectId the project
     * @return its rules, in id order
     */
    Rows ofProject(long projectId) {
        Rows found = tolerant(SELECT + " WHERE ar.project_id = ? AND ar.deleted_at IS NULL ORDER BY ar.id",
                projectId);
        for (UnreadableRule u : found.unreadable()) {
            logger.error("driftwatch: alert rule {} cannot be read and is listed apart: {}", u.id(), u.reason());
        }
        return found;
    }

    /**
     * One rule of a project, not deleted, read the tolerant way: in {@link Rows#rules()} when this version
     * can read it, in {@link Rows#unreadable()} when it cannot, in neither when there is no such rule.
     *
     * @param projectId the project
     * @param ruleId the rule
     * @return at most one row
     */
    Rows lookup(long projectId, long ruleId) {
        return tolerant(SELECT + " WHERE ar.project_id = ? AND ar.id = ? AND ar.deleted_at IS NULL", projectId,
                ruleId);
    }

    /**
     * A rule by id, deleted or not (an alert outlives its rule's deletion in the history); empty when this
     * version cannot read it.
     */
    Optional<AlertRule> findAnyReadable(long ruleId) {
        return tolerant(SELECT + " WHERE ar.id = ?", ruleId).rules().stream().findFirst();
    }

    /**
     * Rule rows read the tolerant way: the rules, and apart from them those this version cannot read, so
     * that one such rule fails neither an upload that evaluates the others nor a listing.
     *
     * @param rules the rules, in id order
     * @param unreadable the rules left out
     */
    record Rows(List<AlertRule> rules, List<UnreadableRule> unreadable) {}

    /** The enabled rules whose scope includes a run. */
    Rows activeFor(long projectId, long runId) {
        return tolerant(SELECT + """
                 JOIN run r ON r.id = ? AND r.project_id = ar.project_id
                WHERE ar.project_id = ? AND ar.enabled AND ar.deleted_at IS NULL
                  AND (ar.scope_run_key IS NULL OR ar.scope_run_key = r.run_key)
                  AND (ar.scope_tag IS NULL OR ar.scope_tag = ANY (r.tags))
                ORDER BY ar.id
                """, runId, projectId);
    }

    /** The rows of a query of {@link #SELECT}, the ones this version cannot read set apart. */
    private Rows tolerant(String sql, Object... args) {
        List<AlertRule> rules = new ArrayList<>();
        List<UnreadableRule> unreadable = new ArrayList<>();
        jdbc.query(sql, (ResultSet rs) -> {
            try {
                rules.add(read(rs, 0));
            } catch (RuntimeException e) {
                unreadable.add(new UnreadableRule(rs.getLong("id"), rs.getString("name"), e.getMessage()));
            }
        }, args);
        return new Rows(rules, unreadable);
    }

    /**
     * Counts a project's rules that are not deleted, with the project row locked against another rule's
     * creation until the transaction ends (so two at once cannot both pass a limit).
     */
    long countLive(long projectId) {
        jdbc.queryForList("SELECT id FROM project WHERE id = ? FOR NO KEY UPDATE", Long.class, projectId);
        return jdbc.queryForObject("SELECT count(*) FROM alert_rule WHERE project_id = ? AND deleted_at IS NULL",
                Long.class, projectId);
    }

    long insert(long projectId, AlertRuleRequest r) {
        return jdbc.queryForObject("""
                INSERT INTO alert_rule (project_id, name, enabled, severity, scope_tag, scope_run_key, for_count,
                    keep_firing_for, repeat_seconds, condition, channels)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb) RETURNING id
                """, Long.class, projectId, r.name(), r.enabled(), r.severity(), r.scope().tag(), r.scope().run(),
                r.forCheckpoints(), r.keepFiringFor(), java.time.Duration.parse(r.repeatInterval()).toSeconds(),
                JSON.writeValueAsString(r.condition()), JSON.writeValueAsString(r.channels()));
    }

    void update(long ruleId, AlertRuleRequest r) {
        jdbc.update("""
                UPDATE alert_rule SET name = ?, enabled = ?, severity = ?, scope_tag = ?, scope_run_key = ?, for_count = ?,
                    keep_firing_for = ?, repeat_seconds = ?, condition = ?::jsonb, channels = ?::jsonb, updated_at = now()
                WHERE id = ?
                """, r.name(), r.enabled(), r.severity(), r.scope().tag(), r.scope().run(), r.forCheckpoints(),
                r.keepFiringFor(), java.time.Duration.parse(r.repeatInterval()).toSeconds(), JSON.writeValueAsString(r.condition()),
                JSON.writeValueAsString(r.channels()), ruleId);
    }

    void markDeleted(long ruleId) {
        jdbc.update("UPDATE alert_rule SET deleted_at = now(), enabled = false, updated_at = now() WHERE id = ?",
                ruleId);
    }

    /** Locks a rule row so concurrent edits of one rule serialise. */
    void lock(long ruleId) {
        jdbc.query("SELECT id FROM alert_rule WHERE id = ? FOR UPDATE", rs -> { }, ruleId);
    }

    private static AlertRule read(ResultSet rs, int row) throws SQLException {
        return new AlertRule(rs.getLong("id"), rs.getString("project_key"), rs.getString("name"),
                rs.getBoolean("enabled"), rs.getString("severity"),
                new Scope(rs.getString("scope_tag"), rs.getString("scope_run_key")),
                JSON.readValue(rs.getString("condition"), ConditionSpec.class).toCondition(), rs.getInt("for_count"),
                rs.getInt("keep_firing_for"),
                java.time.Duration.ofSeconds(rs.getLong("repeat_seconds")).toString(),
                List.of(JSON.readValue(rs.getString("channels"), Channel[].class)),
                AlertStore.instant(rs, "created_at"), AlertStore.instant(rs, "updated_at"));
    }
}
