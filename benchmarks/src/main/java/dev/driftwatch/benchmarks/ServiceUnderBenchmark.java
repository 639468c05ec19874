package dev.driftwatch.benchmarks;

import dev.driftwatch.monitor.DriftwatchApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * The monitor service started in-process on a fresh embedded PostgreSQL, with an HTTP client for its
 * API and the service's own data source for the raw-SQL baselines (same database, same run).
 */
final class ServiceUnderBenchmark implements AutoCloseable {

    static final String PROJECT = "bench";
    static final String TOKEN = "dw_bench";

    private final Path dataDir;
    private final ConfigurableApplicationContext context;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

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
     * Sends a request with the project's token.
     *
     * @param method the method
     * @param path the path under the service
     * @param json the JSON body, or null
     * @return the response
     */
    HttpResponse<byte[]> send(String method, String path, byte[] json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + TOKEN);
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(json));
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " -> " + r.statusCode() + ": "
                        + new String(r.body()));
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Creates a run.
     *
     * @param runKey the key
     */
    void createRun(String runKey) {
        String body = "{\"name\":\"" + runKey + "\",\"method\":\"full\",\"baseFingerprint\":\"" + "a".repeat(64)
                + "\",\"probeFingerprint\":\"" + "b".repeat(64) + "\",\"totalParameters\":1000000,"
                + "\"trainableParameters\":1000000}";
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
