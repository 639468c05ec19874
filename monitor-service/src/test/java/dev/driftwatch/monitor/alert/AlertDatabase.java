package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.support.SharedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Databases of the alerting tests on the shared embedded PostgreSQL. They are apart from the other
 * tests' database because every service context polls its database's outbox: a context with other
 * dispatcher settings must not deliver (and retry) the alerting tests' notifications.
 */
final class AlertDatabase {

    private AlertDatabase() {}

    /**
     * Creates a database when missing and returns its JDBC URL.
     *
     * @param name the database name
     * @return the URL
     */
    static synchronized String url(String name) {
        try (Connection c = SharedPostgres.get().getPostgresDatabase().getConnection();
                Statement st = c.createStatement()) {
            var rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'");
            if (!rs.next()) {
                st.execute("CREATE DATABASE " + name);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return SharedPostgres.jdbcUrl(name);
    }

    /** Points a test context at the {@code alerts} database. */
    static class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            TestPropertyValues.of("spring.datasource.url=" + url("alerts"), "spring.datasource.username=postgres")
                    .applyTo(context.getEnvironment());
        }
    }
}
