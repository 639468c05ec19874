package dev.driftwatch.monitor.support;

import dev.driftwatch.monitor.db.EmbeddedPostgresLauncher;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One real embedded PostgreSQL per test JVM (starting one per test class would be too slow), on a
 * throw-away data directory; stopped by the library's shutdown hook when the JVM exits.
 */
public final class SharedPostgres {

    private static EmbeddedPostgres postgres;

    private SharedPostgres() {}

    /**
     * Returns the running server, starting it on first use.
     *
     * @return the server
     */
    public static synchronized EmbeddedPostgres get() {
        if (postgres == null) {
            try {
                Path dir = Files.createTempDirectory("driftwatch-test-pg");
                postgres = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true)
                        .setServerConfig("listen_addresses", "127.0.0.1").start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the embedded PostgreSQL for tests", e);
            }
        }
        return postgres;
    }

    /**
     * Returns a JDBC URL of a database on the shared server.
     *
     * @param database the database name
     * @return the URL
     */
    public static String jdbcUrl(String database) {
        return EmbeddedPostgresLauncher.jdbcUrl(get(), database) + "?user=postgres";
    }

    /** Points a Spring test context at the shared server (instead of starting the service's own). */
    public static class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            TestPropertyValues.of(
                    "spring.datasource.url=" + jdbcUrl("postgres"),
                    "spring.datasource.username=postgres").applyTo(context.getEnvironment());
        }
    }
}
