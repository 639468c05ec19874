package dev.driftwatch.monitor.db;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the embedded PostgreSQL the service starts when no {@code spring.datasource.url} is
 * configured.
 *
 * @param dataDir the PostgreSQL data directory; it survives restarts, so a restart keeps the data
 * @param port the TCP port on localhost, 0 for any free port
 * @param startupWait the longest wait for PostgreSQL to accept connections
 */
@ConfigurationProperties("driftwatch.embedded-db")
public record EmbeddedDatabaseProperties(
        Path dataDir, @DefaultValue("0") int port, @DefaultValue("60s") Duration startupWait) {}
