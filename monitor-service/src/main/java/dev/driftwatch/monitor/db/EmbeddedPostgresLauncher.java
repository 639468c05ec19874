package dev.driftwatch.monitor.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the embedded PostgreSQL on a persistent data directory, durable settings included.
 *
 * <p>When the previous service process was killed (SIGKILL), its PostgreSQL keeps running as an
 * orphan that still owns the data directory; the launcher shuts that one down first so the new
 * server can start on the same data.
 */
public final class EmbeddedPostgresLauncher {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresLauncher.class);

    private EmbeddedPostgresLauncher() {}

    /**
     * Starts PostgreSQL on the configured data directory (created and initialised when missing).
     *
     * @param properties where and how
     * @return the running server; {@link EmbeddedPostgres#close()} stops it and keeps the data
     * @throws IOException when it cannot start
     */
    public static EmbeddedPostgres start(EmbeddedDatabaseProperties properties) throws IOException {
        Path dataDir = properties.dataDir().toAbsolutePath();
        Files.createDirectories(dataDir);
        stopLeftover(dataDir);
        String password = password(dataDir);
        log.info("Starting embedded PostgreSQL on data directory {}", dataDir);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(true)
                .setPort(properties.port())
                .setPGStartupWait(properties.startupWait())
                // the library defaults to synchronous_commit=off; an acknowledged write must survive
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                .setServerConfig("max_connections", "100")
                // IPv4 loopback only: with "localhost" a port taken on one address family lets the
                // server start on the other, and clients may silently reach another PostgreSQL
                .setServerConfig("listen_addresses", "127.0.0.1")
                // the library's own readiness check connects too; with trust still on (first start) a
                // password is simply ignored
                .setConnectConfig("password", password)
                .start();
        try {
            requirePassword(postgres, dataDir, password);
        } catch (IOException | RuntimeException e) {
            postgres.close();
            throw e;
        }
        return postgres;
    }

    /** Name of the file beside the data directory holding the superuser's password (owner-only). */
    static Path passwordFile(Path dataDir) {
        return dataDir.toAbsolutePath().resolveSibling(dataDir.getFileName() + ".password");
    }

    /**
     * Returns the superuser password of a data directory, generating (and storing, owner-only) one
     * on first use.
     *
     * @param dataDir the data directory
     * @return the password of user {@code postgres}
     * @throws IOException when the file cannot be read or written
     */
    public static String password(Path dataDir) throws IOException {
        Path file = passwordFile(dataDir);
        if (Files.exists(file)) {
            String stored = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!stored.isEmpty()) {
                ownerOnly(file);
                return stored;
            }
        }
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        String password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp); // not a POSIX file system: rely on the directory's permissions
        }
        Files.writeString(tmp, password + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return password;
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    /** The client authentication the embedded server runs with: SCRAM passwords, loopback only. */
    static final String HBA = """
            # written by driftwatch: password (SCRAM) authentication only, local socket and loopback only
            local   all   all                  scram-sha-256
            host    all   all   127.0.0.1/32   scram-sha-256
            host    all   all   ::1/128        scram-sha-256
            """;

    /**
     * Makes the server require the password: sets it for {@code postgres} and rewrites pg_hba.conf
     * (which initdb writes with {@code trust}) when it is not ours yet, then reloads. Runs on every
     * start, so a data directory created by an older version is upgraded in place.
     */
    private static void requirePassword(EmbeddedPostgres postgres, Path dataDir, String password)
            throws IOException {
        Path hba = dataDir.resolve("pg_hba.conf");
        if (Files.exists(hba) && Files.readString(hba, StandardCharsets.UTF_8).equals(HBA)) {
            return;
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl(postgres, "postgres"), "postgres",
                password); java.sql.Statement st = c.createStatement()) {
            st.execute("SET password_encryption = 'scram-sha-256'");
            // the password is generated base64url text: nothing in it needs quoting beyond this
            st.execute("ALTER USER postgres PASSWORD '" + password.replace("'", "''") + "'");
            Files.writeString(hba, HBA, StandardCharsets.UTF_8);
            st.execute("SELECT pg_reload_conf()");
        } catch (java.sql.SQLException e) {
            throw new IOException("cannot set the embedded PostgreSQL's password: " + e.getMessage(), e);
        }
        log.info("Embedded PostgreSQL now requires the password kept in {}", passwordFile(dataDir));
    }

    /**
     * Returns the JDBC URL of a database on the embedded server, over the IPv4 loopback address it
     * listens on.
     *
     * @param postgres the server
     * @param database the database name
     * @return the URL
     */
    public static String jdbcUrl(EmbeddedPostgres postgres, String database) {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database;
    }

    /**
     * Stops a PostgreSQL that still runs on a data directory although its service process is gone.
     *
     * @param dataDir the data directory
     * @throws IOException when it does not stop within a minute
     */
    public static void stopLeftover(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
        Optional<ProcessHandle> orphan = lines.isEmpty()
                ? Optional.empty()
                : parsePid(lines.get(0)).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
                        .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(true));
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle pg = orphan.get();
        log.warn("PostgreSQL {} from a previous run still owns {}; shutting it down", pg.pid(), dataDir);
        pg.destroy(); // SIGTERM: smart shutdown, completes once the dead process's sessions are gone
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (pg.isAlive() && Instant.now().isBefore(deadline)) {
            try {
                pg.onExit().get(1, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // keep waiting until the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping the orphaned PostgreSQL", e);
            } catch (java.util.concurrent.ExecutionException e) {
                break;
            }
        }
        if (pg.isAlive()) {
            throw new IOException("PostgreSQL " + pg.pid() + " still owns " + dataDir + "; stop it first");
        }
    }

    private static Optional<Long> parsePid(String line) {
        try {
            return Optional.of(Long.parseLong(line.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
