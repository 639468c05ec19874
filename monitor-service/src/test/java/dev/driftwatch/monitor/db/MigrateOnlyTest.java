package dev.driftwatch.monitor.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ServiceProcess;
import dev.driftwatch.monitor.support.SharedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --driftwatch.migrate-only=true}, as the Helm chart's pre-upgrade Job runs it: migrate, then
 * exit 0; a database it cannot migrate makes it exit non-zero.
 */
class MigrateOnlyTest {

    @TempDir
    Path work;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void appliesTheMigrationsAndExits() throws Exception {
        String db = "migrate_only_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(SharedPostgres.jdbcUrl("postgres"));
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        Path log = work.resolve("migrate.log");

        int exit = runMigrateOnly(log, SharedPostgres.jdbcUrl(db));

        assertThat(exit).as(Files.readString(log)).isZero();
        try (Connection c = DriverManager.getConnection(SharedPostgres.jdbcUrl(db));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*), bool_and(success) FROM flyway_schema_history WHERE version IS NOT NULL")) {
            rs.next();
            assertThat(rs.getInt(1)).isPositive();
            assertThat(rs.getBoolean(2)).isTrue();
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void exitsNonZeroWhenTheDatabaseCannotBeMigrated() throws Exception {
        Path log = work.resolve("fail.log");

        int exit = runMigrateOnly(log, SharedPostgres.jdbcUrl("no_such_database_" + UUID.randomUUID().toString().substring(0, 8)));

        assertThat(exit).as(Files.readString(log)).isNotZero();
    }

    private static int runMigrateOnly(Path log, String jdbcUrl) {
        return ServiceProcess.builder().fromCurrentClasspath().logFile(log)
                .property("driftwatch.migrate-only", "true")
                .property("spring.main.web-application-type", "none")
                .property("driftwatch.alerts.dispatcher-enabled", "false")
                .property("spring.datasource.url", jdbcUrl)
                .property("spring.datasource.username", "postgres")
                .build().launch().awaitExit(Duration.ofMinutes(3));
    }
}
