package dev.driftwatch.monitor.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * A database out of reach is a 503 with Retry-After, not a 500: the plugin's sender retries a 503 and
 * takes a 500 for a refusal of the run (it then keeps the run's records in the spool for the rest of the
 * process). What the pool, a transaction's start and the driver throw when PostgreSQL restarts.
 */
class DatabaseOutageAnswerTest {

    private final ProblemHandler handler = new ProblemHandler();

    @Test
    void aLostOrRefusedConnectionIsA503WithRetryAfter() {
        Exception[] outages = {
            new CannotGetJdbcConnectionException("Failed to obtain JDBC Connection",
                    new SQLTransientConnectionException("Connection is not available, request timed out after 30000ms")),
            new CannotCreateTransactionException("Could not open JPA EntityManager for transaction",
                    new SQLException("Connection to localhost:5432 refused", "08001")),
            new org.springframework.dao.DataAccessResourceFailureException("terminated",
                    new SQLException("FATAL: terminating connection due to administrator command", "57P01")),
            new RuntimeException(new SQLException("An I/O error occurred while sending to the backend.", "08006"))};
        for (Exception outage : outages) {
            ResponseEntity<ProblemDetail> answer = handler.unexpected(outage);
            assertThat(answer.getStatusCode()).as(outage.toString()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
            assertThat(answer.getBody().getDetail()).contains("retry");
        }
    }

    @Test
    void aBugIsStillA500() {
        ResponseEntity<ProblemDetail> answer = handler.unexpected(new IllegalStateException("a bug"));
        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        answer = handler.unexpected(new RuntimeException(new SQLException("value out of range: overflow", "22003")));
        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
    }
}
