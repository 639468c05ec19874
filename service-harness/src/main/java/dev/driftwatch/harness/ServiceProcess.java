package dev.driftwatch.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The monitor service as a separate child JVM, the one launcher of the demo, the examples' tests, the
 * benchmarks and the service's own tests: started on a persistent embedded-PostgreSQL data directory (or
 * on a database given by properties), so that a caller can stop it, kill it (SIGKILL, as a crash),
 * pause it and start it again on the same data and the same port.
 *
 * <p>Without a {@link Builder#port(int) port} the first start asks for any free port
 * ({@code --server.port=0}) and reads the one the server bound from the file it writes
 * ({@code driftwatch.port-file}); later starts keep that port, so that clients keep their URL. No port
 * is picked before the server binds it (another process could take it in between).
 *
 * <pre>
 * try (ServiceProcess service = ServiceProcess.builder()
 *         .dataDir(Path.of("target/service-data"))
 *         .bootstrap("demo", "dw_demo")
 *         .start()) {                    // returns once /actuator/health/readiness answers UP
 *     URI url = service.url();           // http://localhost:&lt;port&gt;
 *     service.kill();                    // SIGKILL
 *     service.start();                   // same port, same data
 * }                                      // stop(): SIGTERM, graceful
 * </pre>
 *
 * <p>What it runs: by default the service's Spring Boot exec jar, as users run it: the system property
 * {@code driftwatch.service.jar}, else the environment variable {@code DRIFTWATCH_SERVICE_JAR}, else the
 * newest {@code monitor-service/target/driftwatch-monitor-service-*-exec.jar} found from the working
 * directory or its parents (build it with {@code ./mvnw -pl monitor-service -am package -DskipTests}).
 * The service's own tests, which run before that jar exists, start its main class from their classpath
 * instead ({@link Builder#fromCurrentClasspath()}).
 */
public final class ServiceProcess implements AutoCloseable {

    private static final String JAR_PROPERTY = "driftwatch.service.jar";
    private static final String JAR_ENV = "DRIFTWATCH_SERVICE_JAR";
    /** The service's main class, started when it runs from a classpath. */
    private static final String MAIN_CLASS = "dev.driftwatch.monitor.DriftwatchApplication";
    /** The properties the launcher sets itself. */
    private static final Set<String> OWN_PROPERTIES = Set.of("server.port", "driftwatch.port-file",
            "driftwatch.embedded-db.data-dir");

    /** The exec jar, or null when it runs from {@link #classpath}. */
    private final Path jar;
    /** The classpath holding the service's main class, or null when it runs from {@link #jar}. */
    private final String classpath;
    /** The HTTP port: the builder's, or 0 until the first start has read the one the server bound. */
    private int port;
    /** The embedded PostgreSQL's data directory, or null when properties name another database. */
    private final Path dataDir;
    private final Path logFile;
    private final Map<String, String> properties;
    private final List<String> jvmArgs;
    private final Duration startupTimeout;
    private Process process;
    /** Processes the service started (PostgreSQL), remembered at a kill so that close can end them. */
    private final List<ProcessHandle> orphans = new ArrayList<>();

    private ServiceProcess(Builder b) {
        this.classpath = b.classpath;
        this.jar = classpath != null ? null : b.jar != null ? b.jar : findJar();
        this.port = b.port;
        this.dataDir = b.dataDir == null ? null : b.dataDir.toAbsolutePath();
        this.logFile = b.logFile != null ? b.logFile.toAbsolutePath() : dataDir.resolveSibling(
                dataDir.getFileName() + "-service.log");
        this.properties = new LinkedHashMap<>(b.properties);
        this.jvmArgs = List.copyOf(b.jvmArgs);
        this.startupTimeout = b.startupTimeout;
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the service (again, after {@link #stop()} or {@link #kill()}) and waits until it is ready.
     *
     * @return this
     * @throws IllegalStateException when it is already running, exits, or is not ready in time
     */
    public synchronized ServiceProcess start() {
        launch();
        try {
            awaitReady();
        } catch (RuntimeException e) {
            kill();
            throw e;
        }
        return this;
    }

    /**
     * Starts the service's JVM and returns at once, without waiting for it to be ready: for a run that
     * is to end by itself ({@link #awaitExit}) or a caller that waits in its own way.
     *
     * @return this
     * @throws IllegalStateException when it is already running
     * @throws UncheckedIOException when the JVM cannot be started
     */
    public synchronized ServiceProcess launch() {
        if (isAlive()) {
            throw new IllegalStateException("the service is already running" + (port == 0 ? "" : " on port " + port));
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        if (classpath != null) {
            command.addAll(List.of("-cp", classpath, MAIN_CLASS, "--spring.main.banner-mode=off"));
        } else {
            command.add("-jar");
            command.add(jar.toString());
        }
        command.add("--server.port=" + port);
        command.add("--driftwatch.port-file=" + portFile());
        if (dataDir != null) {
            command.add("--driftwatch.embedded-db.data-dir=" + dataDir);
        }
        properties.forEach((k, v) -> command.add("--" + k + "=" + v));
        try {
            if (dataDir != null) {
                Files.createDirectories(dataDir);
            }
            Files.createDirectories(logFile.getParent());
            Files.deleteIfExists(portFile());
            Files.writeString(logFile, "---- starting: " + String.join(" ", command) + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the service: " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * Waits for a {@link #launch() launched} service that ends by itself (e.g.
     * {@code driftwatch.migrate-only=true}) to exit.
     *
     * @param timeout the longest wait
     * @return its exit status
     * @throws IllegalStateException when it has not exited in time (it is then killed)
     */
    public int awaitExit(Duration timeout) {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) {
            throw new IllegalStateException("the service was never launched");
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new IllegalStateException("the service did not exit within " + timeout + "; its log "
                        + logFile + " ends with:\n" + logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new IllegalStateException("interrupted while waiting for the service to exit", e);
        }
        return p.exitValue();
    }

    /**
     * Returns the service's base URL.
     *
     * @return {@code http://localhost:<port>}
     * @throws IllegalStateException before the first start on a free port
     */
    public URI url() {
        return URI.create("http://localhost:" + port());
    }

    /**
     * Returns the service's port, fixed across restarts.
     *
     * @return the port
     * @throws IllegalStateException before the first start on a free port
     */
    public synchronized int port() {
        if (port == 0) {
            throw new IllegalStateException("the service has not started yet; its port is the one it binds");
        }
        return port;
    }

    /**
     * Returns the port of the embedded PostgreSQL the service started, from its data directory's
     * {@code postmaster.pid}; a restart after a {@link #kill()} may move it.
     *
     * @return the port
     * @throws IllegalStateException when the database is not running, or the service has no data directory
     */
    public int databasePort() {
        if (dataDir == null) {
            throw new IllegalStateException("the service runs on a database it was given, not an embedded one");
        }
        try {
            // postmaster.pid: pid, data directory, start time, port, ...
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII);
            return Integer.parseInt(lines.get(3).trim());
        } catch (IOException | IndexOutOfBoundsException | NumberFormatException e) {
            throw new IllegalStateException("the embedded PostgreSQL of " + dataDir + " is not running", e);
        }
    }

    /** Where the service writes the port it bound ({@code driftwatch.port-file}): beside its data or its log. */
    private Path portFile() {
        Path beside = dataDir != null ? dataDir : logFile;
        return beside.resolveSibling(beside.getFileName() + (dataDir != null ? "-service.port" : ".port"));
    }


    /**
     * Returns the file the service's output is appended to.
     *
     * @return the log file
     */
    public Path logFile() {
        return logFile;
    }

    /**
     * Tells whether the service's JVM is running.
     *
     * @return true when it is
     */
    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * Stops the service gracefully (SIGTERM) and waits for it; after 60 s it is killed.
     *
     * @return true when it was running and exited on SIGTERM within the 60 s, false otherwise
     */
    public synchronized boolean stop() {
        if (!isAlive()) {
            return false;
        }
        signal("CONT"); // a paused JVM would not act on SIGTERM
        process.destroy();
        try {
            if (process.waitFor(60, TimeUnit.SECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
        return false;
    }

    /**
     * Kills the service's JVM at once (SIGKILL), as a crash would; its embedded PostgreSQL is left
     * running, as after a real crash, and the next {@link #start()} takes over its data directory.
     */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.descendants().forEach(orphans::add);
        postgres().ifPresent(orphans::add);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Freezes the service's JVM (SIGSTOP): connections are still accepted by the kernel but nothing
     * answers, as with a service too slow for any timeout. {@link #resume()} undoes it.
     */
    public synchronized void pause() {
        signal("STOP");
    }

    /** Lets a {@link #pause() paused} service run again (SIGCONT). */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (!isAlive()) {
            throw new IllegalStateException("the service is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " failed with status " + kill.exitValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Waits until the service answers {@code /actuator/health/readiness} with 200.
     *
     * @throws IllegalStateException when the JVM exits first or the startup timeout passes
     */
    public void awaitReady() {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        int bound = 0;
        ApiClient client = null;
        while (System.nanoTime() < deadline) {
            Process p;
            synchronized (this) {
                p = process;
            }
            if (p == null || !p.isAlive()) {
                throw new IllegalStateException("the service exited during startup (status "
                        + (p == null ? "?" : p.exitValue()) + "); its log " + logFile + " ends with:\n" + logTail());
            }
            if (bound == 0) {
                bound = boundPort();
                if (bound != 0) {
                    synchronized (this) {
                        port = bound;
                    }
                    client = new ApiClient(url(), null).withTimeout(Duration.ofSeconds(5));
                }
            }
            try {
                if (client != null && client.get("/actuator/health/readiness").status() == 200) {
                    return;
                }
            } catch (IllegalStateException e) {
                // not answering yet (an interrupt is left set, for the sleep below)
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the service", e);
            }
        }
        throw new IllegalStateException("the service was not ready within " + startupTimeout + "; its log " + logFile
                + " ends with:\n" + logTail());
    }

    /** The port the server wrote into the port file once it listened, or 0 while there is none yet. */
    private int boundPort() {
        try {
            String text = Files.readString(portFile(), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? 0 : Integer.parseInt(text);
        } catch (IOException | NumberFormatException e) {
            return 0; // not written yet, or being written
        }
    }

    /** Stops the service (SIGTERM) and ends what a {@link #kill()} left behind. */
    @Override
    public synchronized void close() {
        stop();
        for (ProcessHandle orphan : orphans) {
            if (orphan.isAlive()) {
                orphan.destroy();
                orphan.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
            }
        }
        orphans.clear();
    }

    /** The embedded PostgreSQL, which pg_ctl detaches from the JVM, found by its data directory's pid file. */
    private Optional<ProcessHandle> postgres() {
        if (dataDir == null) {
            return Optional.empty();
        }
        try {
            List<String> pid = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII);
            return pid.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(pid.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    private static Path findJar() {
        String configured = System.getProperty(JAR_PROPERTY, System.getenv(JAR_ENV));
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("the service jar " + p + " (" + JAR_PROPERTY + " / " + JAR_ENV
                        + ") does not exist");
            }
            return p;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path target = dir.resolve("monitor-service").resolve("target");
            if (Files.isDirectory(target)) {
                Path newest = null;
                try (DirectoryStream<Path> jars = Files.newDirectoryStream(target,
                        "driftwatch-monitor-service-*-exec.jar")) {
                    for (Path j : jars) {
                        if (newest == null || Files.getLastModifiedTime(j).compareTo(
                                Files.getLastModifiedTime(newest)) > 0) {
                            newest = j;
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (newest != null) {
                    return newest;
                }
            }
        }
        throw new IllegalStateException("no monitor-service exec jar found: build it with "
                + "./mvnw -pl monitor-service -am package -DskipTests, or set " + JAR_PROPERTY);
    }

    /**
     * Builds a {@link ServiceProcess}; a {@link #dataDir} (embedded PostgreSQL) or, when properties name the
     * database, a {@link #logFile} is required.
     */
    public static final class Builder {

        private Path jar;
        private String classpath;
        private int port;
        private Path dataDir;
        private Path logFile;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"));
        private Duration startupTimeout = Duration.ofMinutes(3);

        private Builder() {}

        /**
         * Sets the embedded PostgreSQL's data directory; it survives restarts. Required unless properties
         * name the database ({@code spring.datasource.url}) and a {@link #logFile} is set.
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /**
         * Sets the HTTP port (default: any free port, bound by the server at the first start and kept
         * across restarts).
         *
         * @param port the port
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Creates a project and its API token at startup ({@code driftwatch.bootstrap.*}).
         *
         * @param project the project's key
         * @param token the token the service then accepts for it
         * @return this builder
         */
        public Builder bootstrap(String project, String token) {
            properties.put("driftwatch.bootstrap.project", project);
            properties.put("driftwatch.bootstrap.token", token);
            return this;
        }

        /**
         * Sets any other Spring property of the service.
         *
         * @param key the property, e.g. {@code logging.level.root}
         * @param value its value
         * @return this builder
         */
        public Builder property(String key, String value) {
            if (OWN_PROPERTIES.contains(key)) {
                // given twice on the command line, Spring would join them into "0,0"
                throw new IllegalArgumentException(key + " is set by the launcher: use port(...) or dataDir(...)");
            }
            properties.put(key, value);
            return this;
        }

        /**
         * Sets Spring properties given as command-line arguments.
         *
         * @param args e.g. {@code --spring.datasource.url=jdbc:postgresql://...}
         * @return this builder
         * @throws IllegalArgumentException when one is not {@code --key=value}
         */
        public Builder arguments(String... args) {
            for (String a : args) {
                int eq = a.indexOf('=');
                if (!a.startsWith("--") || eq < 3) {
                    throw new IllegalArgumentException("not --key=value: " + a);
                }
                property(a.substring(2, eq), a.substring(eq + 1));
            }
            return this;
        }

        /**
         * Adds a JVM option (defaults: {@code -Xmx512m -XX:TieredStopAtLevel=1}).
         *
         * @param arg e.g. {@code -Xmx1g}
         * @return this builder
         */
        public Builder jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        /**
         * Sets the service's exec jar (default: see the class comment).
         *
         * @param jar the jar
         * @return this builder
         */
        public Builder jar(Path jar) {
            this.jar = jar;
            return this;
        }

        /**
         * Runs the service's main class from this JVM's classpath (under Maven Surefire, the test
         * classpath) instead of the exec jar: for the service's own tests, which run before the jar is
         * packaged.
         *
         * @return this builder
         */
        public Builder fromCurrentClasspath() {
            this.classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            return this;
        }

        /**
         * Sets the file the service's output is appended to (default: beside the data directory).
         *
         * @param file the log file
         * @return this builder
         */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /**
         * Sets the longest wait for readiness (default 3 minutes).
         *
         * @param timeout the bound
         * @return this builder
         */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /**
         * Creates the handle without starting the service.
         *
         * @return the handle; call {@link ServiceProcess#start()}
         */
        public ServiceProcess build() {
            if (dataDir == null) {
                Objects.requireNonNull(logFile, "a dataDir, or a logFile when the service is given a database");
            }
            return new ServiceProcess(this);
        }

        /**
         * Creates the handle and starts the service.
         *
         * @return the running service
         */
        public ServiceProcess start() {
            return build().start();
        }
    }
}
