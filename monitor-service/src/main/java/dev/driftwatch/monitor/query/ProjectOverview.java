package dev.driftwatch.monitor.query;

import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Every project with its run counts, for the projects list. */
@Service
public class ProjectOverview {

    private final JdbcTemplate jdbc;

    ProjectOverview(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A project with its run counts.
     *
     * @param key URL key
     * @param name display name
     * @param createdAt creation time
     * @param runs number of runs
     * @param flagged runs that are parameter-heavy and drift far
     */
    public record ProjectRow(String key, String name, Instant createdAt, long runs, long flagged) {}

    /**
     * Lists every project by name.
     *
     * @return the projects with their counts
     */
    @Transactional(readOnly = true)
    public List<ProjectRow> all() {
        return jdbc.query("""
                SELECT p.project_key, p.name, p.created_at, count(r.id),
                       count(r.id) FILTER (WHERE r.flag_parameter_heavy AND r.flag_drifts_far)
                FROM project p LEFT JOIN run r ON r.project_id = p.id
                GROUP BY p.id ORDER BY p.name""",
                (rs, n) -> new ProjectRow(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                        rs.getLong(4), rs.getLong(5)));
    }
}
