package dev.driftwatch.monitor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * F6: the embedded PostgreSQL requires a generated password (kept owner-only beside the data
 * directory) on TCP and on its socket, listens on 127.0.0.1 only, and a data directory created by an
 * older version (trust authentication) is upgraded on its next start.
 */
class EmbeddedPasswordTest {

    @TempDir
    Path dir;

    private static EmbeddedDatabaseProperties at(Path dataDir) {
        return new EmbeddedDatabaseProperties(dataDir, 0, Duration.ofSeconds(60));
    }

    @Test
    void aNewDataDirectoryRequiresTheGeneratedPassword() throws Exception {
        Path data = dir.resolve("pgdata");
        try (EmbeddedPostgres pg = EmbeddedPostgresLauncher.start(at(data))) {
            assertRequiresPassword(pg, data);
        }
        Path file = EmbeddedPostgresLauncher.passwordFile(data);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String password = EmbeddedPostgresLauncher.password(data);
        try (EmbeddedPostgres again = EmbeddedPostgresLauncher.start(at(data))) {
            assertThat(EmbeddedPostgresLauncher.password(data)).isEqualTo(password);
            assertRequiresPassword(again, data);
        }
    }

    @Test
    void aTrustDataDirectoryFromAnOlderVersionIsUpgraded() throws Exception {
        Path data = dir.resolve("old");
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
                .setServerConfig("listen_addresses", "127.0.0.1").start();
                Connection c = DriverManager.getConnection(EmbeddedPostgresLauncher.jdbcUrl(old, "postgres"),
                        "postgres", "")) {
            assertThat(c.isValid(5)).as("trust before the upgrade").isTrue();
        }
        try (EmbeddedPostgres pg = EmbeddedPostgresLauncher.start(at(data))) {
            assertRequiresPassword(pg, data);
        }
    }

    private static void assertRequiresPassword(EmbeddedPostgres pg, Path data) throws Exception {
        String url = EmbeddedPostgresLauncher.jdbcUrl(pg, "postgres");
        assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "")).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "not-the-password"))
                .isInstanceOf(SQLException.class);
        try (Connection c = DriverManager.getConnection(url, "postgres", EmbeddedPostgresLauncher.password(data));
                ResultSet rs = c.createStatement().executeQuery("SHOW listen_addresses")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("127.0.0.1");
        }
        String hba = Files.readString(data.resolve("pg_hba.conf"));
        assertThat(hba.lines().filter(l -> !l.startsWith("#") && !l.isBlank()))
                .allMatch(l -> l.endsWith("scram-sha-256"));
    }
}
