package dev.driftwatch.monitor.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.SharedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/** The migrations apply on an empty database and create the schema the entities validate against. */
class MigrationsTest {

    @Test
    void migrationsApplyOnAnEmptyDatabase() throws Exception {
        String db = "empty_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = java.sql.DriverManager.getConnection(SharedPostgres.jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        Flyway flyway = Flyway.configure().dataSource(SharedPostgres.jdbcUrl(db), "postgres", null)
                .locations("classpath:db/migration").load();
        DataSource ds = flyway.getConfiguration().getDataSource();
        MigrateResult result = flyway.migrate();
        assertThat(result.success).isTrue();
        assertThat(result.migrationsExecuted).isPositive();
        List<String> tables = new ArrayList<>();
        try (Connection c = ds.getConnection();
                ResultSet rs = c.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                tables.add(rs.getString("TABLE_NAME"));
            }
        }
        assertThat(tables).contains("project", "api_token", "run", "checkpoint", "run_tensor", "checkpoint_tensors");
        // a second run finds nothing to do
        assertThat(flyway.migrate().migrationsExecuted).isZero();

        // Flyway refuses a migration whose version is below one a database already has: every
        // migration added since the last release must sort after that release's highest version.
        for (MigrationInfo m : flyway.info().all()) {
            int version = Integer.parseInt(m.getVersion().getVersion());
            if (!RELEASED_VERSIONS.contains(version)) {
                assertThat(version).as("version of %s (released up to V%d)", m.getScript(), LAST_RELEASED)
                        .isGreaterThan(LAST_RELEASED);
            }
        }
    }

    /** The migrations of the last release (0.1.0); update when releasing. */
    private static final List<Integer> RELEASED_VERSIONS = List.of(1, 2, 10, 20);

    private static final int LAST_RELEASED = 20;
}
