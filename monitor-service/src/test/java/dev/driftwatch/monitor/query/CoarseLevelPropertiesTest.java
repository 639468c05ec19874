package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftwatch.monitor.support.SharedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The coarse level (migration V3, {@link CoarseLevel}) answers exactly what reading every checkpoint
 * answers: generated runs written in shuffled batches (out-of-order steps, invalid checkpoints
 * without a headline, tied values, sparse and dense steps, a deleted checkpoint), queried over
 * generated step ranges and point counts, give the same count, steps and values on both paths.
 */
class CoarseLevelPropertiesTest {

    private static JdbcTemplate jdbc;
    private static TrajectoryService trajectories;
    private static long projectId;

    @BeforeContainer
    static void migrate() throws Exception {
        String db = "coarse_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(SharedPostgres.jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        String url = SharedPostgres.jdbcUrl(db);
        Flyway.configure().dataSource(url, "postgres", null).locations("classpath:db/migration").load().migrate();
        // one connection for the whole class: the trigger's plans are prepared once
        jdbc = new JdbcTemplate(new SingleConnectionDataSource(url, "postgres", "", true));
        trajectories = new TrajectoryService(jdbc, new CoarseLevel(jdbc));
        projectId = jdbc.queryForObject("INSERT INTO project (project_key, name) VALUES ('coarse', 'coarse')"
                + " RETURNING id", Long.class);
    }

    @AfterContainer
    static void close() {
        ((SingleConnectionDataSource) jdbc.getDataSource()).destroy();
        jdbc = null;
    }

    @Property(tries = 60)
    void coarseAndRawPathsReturnTheSamePoints(
            @ForAll @IntRange(min = 1, max = 4000) int n,
            @ForAll @LongRange(min = 1, max = 2_000_000) long maxGap,
            @ForAll @LongRange(min = 0, max = 1L << 40) long offset,
            @ForAll @IntRange(min = 4, max = 600) int points,
            @ForAll @IntRange(min = 1, max = 6) int distinctValues,
            @ForAll long seed) {
        Random random = new Random(seed);
        long runId = newRun();
        // steps with gaps of 1..maxGap (mostly small, so dense stretches and sparse ones both occur)
        long[] steps = new long[n];
        long step = offset;
        for (int i = 0; i < n; i++) {
            step += random.nextInt(4) == 0 ? 1 + (long) (random.nextDouble() * maxGap) : 1;
            steps[i] = step;
        }
        Map<Long, Double> values = new LinkedHashMap<>();
        for (long s : steps) {
            // few distinct values make ties; one in ten checkpoints is invalid (no headline)
            values.put(s, random.nextInt(10) == 0 ? null : (double) random.nextInt(distinctValues) - 1.5);
        }
        List<Long> order = new ArrayList<>(values.keySet());
        Collections.shuffle(order, random);
        for (int from = 0; from < order.size(); ) {
            int size = 1 + random.nextInt(Math.max(1, order.size() / 3));
            insert(runId, order.subList(from, Math.min(order.size(), from + size)), values);
            from += size;
        }
        if (random.nextBoolean()) {
            long gone = order.get(random.nextInt(order.size()));
            jdbc.update("DELETE FROM checkpoint WHERE run_id = ? AND step = ?", runId, gone);
        }

        MetricRef headline = MetricRef.parse("kl_base_ft", "mean");
        Long from = random.nextBoolean() ? null : steps[random.nextInt(n)] - random.nextInt(3);
        Long to = random.nextBoolean() ? null : steps[random.nextInt(n)] + random.nextInt(3);
        if (from != null && to != null && from > to) {
            Long t = from;
            from = to;
            to = t;
        }
        Trajectory coarse = trajectories.trajectory(runId, "r", headline, from, to, points, false, true);
        Trajectory raw = trajectories.trajectory(runId, "r", headline, from, to, points, false, false);
        assertThat(coarse.sourcePoints()).isEqualTo(raw.sourcePoints());
        assertThat(coarse.steps()).isEqualTo(raw.steps());
        assertThat(coarse.values()).isEqualTo(raw.values());
        assertThat(coarse.steps().length).isLessThanOrEqualTo(points);
    }

    @Example
    void theCoarseLevelMatchesARecomputationAfterOutOfOrderBatchesAndADelete() {
        long runId = newRun();
        Map<Long, Double> values = new LinkedHashMap<>();
        for (long s = 1000; s >= 0; s -= 7) {
            values.put(s, Math.sin(s) + (s % 5 == 0 ? 1 : 0));
        }
        List<Long> steps = new ArrayList<>(values.keySet());
        insert(runId, steps.subList(0, 60), values);
        insert(runId, steps.subList(60, steps.size()), values);
        jdbc.update("DELETE FROM checkpoint WHERE run_id = ? AND step = ?", runId, 994L);
        // recomputed from scratch, every block must be as maintained
        String recompute = """
                SELECT k AS level, c.step >> k AS bucket, count(*) AS n, min(c.step) AS first_step,
                       (array_agg(c.kl_mean ORDER BY c.step))[1] AS first_v,
                       max(c.step) AS last_step, (array_agg(c.kl_mean ORDER BY c.step DESC))[1] AS last_v,
                       (array_agg(c.step ORDER BY c.kl_mean, c.step))[1] AS min_step, min(c.kl_mean) AS min_v,
                       (array_agg(c.step ORDER BY c.kl_mean DESC, c.step))[1] AS max_step, max(c.kl_mean) AS max_v
                FROM checkpoint c CROSS JOIN generate_series(4, 40) k WHERE c.run_id = ?
                GROUP BY k, c.step >> k ORDER BY 1, 2
                """;
        String stored = """
                SELECT level::int AS level, bucket, n::bigint AS n, first_step, first_v, last_step, last_v, min_step, min_v, max_step, max_v
                FROM checkpoint_coarse WHERE run_id = ? ORDER BY 1, 2
                """;
        assertThat(jdbc.queryForList(stored, runId).stream().map(m -> List.copyOf(m.values())).toList())
                .isEqualTo(jdbc.queryForList(recompute, runId).stream().map(m -> List.copyOf(m.values())).toList())
                .hasSizeGreaterThan(37);
    }

    @Example
    void aStoredHeadlineCannotBeChanged() {
        long runId = newRun();
        insert(runId, List.of(5L), Map.of(5L, 0.5));
        assertThatThrownBy(() -> jdbc.update("UPDATE checkpoint SET kl_mean = 0.7 WHERE run_id = ?", runId))
                .hasMessageContaining("written once");
        // other columns may still change
        assertThat(jdbc.update("UPDATE checkpoint SET kl_p50 = 0.1 WHERE run_id = ?", runId)).isOne();
    }

    private static long newRun() {
        return jdbc.queryForObject("""
                INSERT INTO run (project_id, run_key, name, method, base_fingerprint, probe_fingerprint,
                                 total_parameters, trainable_parameters, started_at)
                VALUES (?, ?, 'r', 'full', repeat('a', 64), repeat('b', 64), 10, 10, now()) RETURNING id
                """, Long.class, projectId, "r-" + UUID.randomUUID());
    }

    /** One INSERT statement per batch, so the trigger sees each batch as the ingest COPY would. */
    private static void insert(long runId, List<Long> steps, Map<Long, Double> values) {
        Double[] v = steps.stream().map(values::get).toArray(Double[]::new);
        jdbc.update(con -> {
            var ps = con.prepareStatement("""
                    INSERT INTO checkpoint (run_id, step, measured_at, valid, approximation, temperature,
                                            probe_count, kl_mean, metrics)
                    SELECT ?, s, now(), v IS NOT NULL, 'exact', 1, 10, v, '{}'
                    FROM unnest(?::bigint[], ?::float8[]) t(s, v)
                    """);
            ps.setLong(1, runId);
            ps.setArray(2, con.createArrayOf("int8", steps.toArray()));
            ps.setArray(3, con.createArrayOf("float8", v));
            return ps;
        });
    }
}
