package dev.driftwatch.benchmarks;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.DriftwatchApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The monitor service started in-process on a fresh embedded PostgreSQL (not as a child JVM, as
 * {@code ServiceProcess} would: the benchmarks time its beans without HTTP and read its own data source
 * for the raw-SQL baselines, same database, same run), with the project's {@link ApiClient}.
 */
final class ServiceUnderBenchmark implements AutoCloseable {

    static final String PROJECT = "bench";
    static final String TOKEN = "dw_bench";

    private final Path dataDir;
    private final ConfigurableApplicationContext context;
    private final String base;
    private final ApiClient api;

    ServiceUnderBenchmark() throws IOException {
        dataDir = Files.createTempDirectory("driftwatch-bench-pg");
        // command-line arguments, so they win over the service's application.properties
        context = new SpringApplicationBuilder(DriftwatchApplication.class).run(
                "--server.port=0",
                "--driftwatch.embedded-db.data-dir=" + dataDir,
                "--driftwatch.bootstrap.project=" + PROJECT,
                "--driftwatch.bootstrap.token=" + TOKEN,
                "--spring.main.banner-mode=off",
                "--logging.level.root=WARN");
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        base = "http://localhost:" + port;
        api = new ApiClient(base, TOKEN).withTimeout(Duration.ofMinutes(2));
    }

    /** @return the service's base URL, e.g. {@code http://localhost:41234} */
    String baseUrl() {
        return base;
    }

    /**
     * A bean of the running service, to time a part of it without HTTP.
     *
     * @param type the bean's type
     * @param <T> the type
     * @return the bean
     */
    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    /** @return the service's data source (its embedded PostgreSQL) */
    DataSource dataSource() {
        return context.getBean(DataSource.class);
    }

    /**
     * Sends a request with the project's token and fails unless it succeeds.
     *
     * @param method the method
     * @param path the path under the service
     * @param json the JSON body, or null
     * @return the answer
     * @throws IllegalStateException when the status is not 2xx
     */
    ApiClient.Answer send(String method, String path, byte[] json) {
        ApiClient.Answer a = api.send(method, path, json == null ? null : "application/json", json, false);
        a.require(method + " " + path);
        return a;
    }

    /**
     * Creates a run.
     *
     * @param runKey the key
     */
    void createRun(String runKey) {
        createRun(runKey, "{}");
    }

    /**
     * Creates a run with a config.
     *
     * @param runKey the key
     * @param config the run's config, a JSON object
     */
    void createRun(String runKey, String config) {
        String body = "{\"name\":\"" + runKey + "\",\"method\":\"full\",\"baseFingerprint\":\"" + "a".repeat(64)
                + "\",\"probeFingerprint\":\"" + "b".repeat(64) + "\",\"totalParameters\":1000000,"
                + "\"trainableParameters\":1000000,\"config\":" + config + "}";
        send("PUT", "/api/v1/projects/" + PROJECT + "/runs/" + runKey, body.getBytes());
    }

    @Override
    public void close() throws IOException {
        context.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
