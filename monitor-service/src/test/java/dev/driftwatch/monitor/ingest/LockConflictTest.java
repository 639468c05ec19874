package dev.driftwatch.monitor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import dev.driftwatch.monitor.support.SharedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.test.context.TestPropertySource;

/**
 * An upload that cannot get its run's row lock in time (another transaction holds it) is answered
 * 503 with {@code Retry-After}, which the plugin retries, and writes nothing. The service's
 * connections get a short {@code lock_timeout} here (a context of its own), so the conflict is real
 * PostgreSQL behaviour, not a mock.
 */
@TestPropertySource(properties = "spring.datasource.hikari.connection-init-sql=SET lock_timeout = '300ms'")
class LockConflictTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;

    @Test
    @Timeout(60)
    void aLockTimeoutIsA503WithRetryAfterAndWritesNothing() throws Exception {
        String key = uniqueRunKey("locked");
        assertThat(api().putRun(P, key, Payloads.run("full", 100, 100)).status()).isEqualTo(201);
        try (Connection other = DriverManager.getConnection(SharedPostgres.jdbcUrl("postgres"))) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement(
                    "SELECT r.id FROM run r JOIN project p ON p.id = r.project_id"
                            + " WHERE p.project_key = ? AND r.run_key = ? FOR UPDATE")) {
                lock.setString(1, P);
                lock.setString(2, key);
                try (ResultSet rs = lock.executeQuery()) {
                    assertThat(rs.next()).as("the run row is locked").isTrue();
                }
            }
            ApiClient.Answer busy = api().postCheckpoints(P, key, Payloads.batch(Payloads.checkpoint(10, 0.2)));
            other.rollback();

            assertThat(busy.status()).isEqualTo(503);
            assertThat(busy.isProblem()).isTrue();
            assertThat(busy.retryAfter()).isEqualTo("1");
            assertThat(busy.json().get("status").intValue()).isEqualTo(503);
        }
        assertThat(checkpointCount(key)).isZero();
        // the retry the plugin makes then succeeds
        ApiClient.Answer retried = api().postCheckpoints(P, key, Payloads.batch(Payloads.checkpoint(10, 0.2)));
        assertThat(retried.status()).isEqualTo(200);
        assertThat(checkpointCount(key)).isEqualTo(1);
    }
}
