package com.example.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.driftwatch.plugin.ship.UploadCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@link FineTune#main} as a user would — its own JVM, the service named by the environment —
 * against a real monitor service started from its exec jar, and reads back what the service stored.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class FineTuneTest {

    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void theJobStreamsItsRunToTheService() throws Exception {
        String project = "consumer-example";
        String token = "dw_" + UUID.randomUUID().toString().replace("-", "");
        String runKey = "consumer-run-" + System.currentTimeMillis();
        int port = freePort();
        Path data = Files.createTempDirectory(TARGET, "service-data-");
        String jar = System.getProperty("service.jar");
        assertThat(jar).as("-Dservice.jar: the monitor service's exec jar").isNotBlank();
        assertThat(Path.of(jar)).as("the monitor service's exec jar").isRegularFile();
        Process service = new ProcessBuilder(JAVA, "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-jar", jar,
                "--server.port=" + port,
                "--driftwatch.embedded-db.data-dir=" + data.resolve("pgdata"),
                "--driftwatch.embedded-db.port=" + freePort(),
                "--driftwatch.bootstrap.project=" + project,
                "--driftwatch.bootstrap.token=" + token)
                .redirectErrorStream(true)
                .redirectOutput(TARGET.resolve("service.log").toFile())
                .start();
        try {
            URI url = URI.create("http://localhost:" + port);
            awaitReady(service, url);

            Path home = Files.createTempDirectory(TARGET, "job-home-");
            String log = runJob(FineTune.class, runKey, home, Map.of(
                    "DRIFTWATCH_URL", url.toString(), "DRIFTWATCH_PROJECT", project, "DRIFTWATCH_TOKEN", token));
            assertThat(log).contains("driftwatch: shipping to " + url + " (project " + project + ") done");
            assertStored(url, project, token, runKey);

            // everything was acknowledged: nothing is left in the job's spool
            Path spool = home.resolve(".driftwatch").resolve("spool").resolve(project);
            if (Files.isDirectory(spool)) {
                try (Stream<Path> left = Files.list(spool)) {
                    assertThat(left.filter(p -> p.toString().endsWith(".jsonl")).toList()).isEmpty();
                }
            }

            // the offline variant: a file, uploaded afterwards with driftwatch-upload
            String offlineKey = runKey + "-offline";
            Path offline = Files.createTempDirectory(TARGET, "offline-job-");
            runJob(OfflineFineTune.class, offlineKey, offline, Map.of());
            Path file = offline.resolve("runs").resolve(offlineKey + ".jsonl");
            assertThat(Files.readAllLines(file)).hasSize(1 + 5 + 1); // run, 5 checkpoints, end
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int status = UploadCli.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
                    "upload", file.toString(), "--url", url.toString(), "--project", project, "--token", token);
            assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
            assertStored(url, project, token, offlineKey);
        } finally {
            service.destroy();
            if (!service.waitFor(60, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        }
    }

    /** Runs a job's main class in its own JVM, as a user would, and returns its log. */
    private static String runJob(Class<?> main, String runKey, Path workDir, Map<String, String> env)
            throws Exception {
        Path log = TARGET.resolve(main.getSimpleName() + ".log");
        ProcessBuilder job = new ProcessBuilder(JAVA, "-Xmx1g",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                // the spool lives under the job's own home; PyTorch's native library stays in the usual cache
                "-Duser.home=" + workDir,
                "-DENGINE_CACHE_DIR=" + Path.of(System.getProperty("user.home"), ".djl.ai"),
                "-cp", System.getProperty("java.class.path"),
                main.getName(), runKey)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        job.environment().putAll(env);
        Process training = job.start();
        assertThat(training.waitFor(5, TimeUnit.MINUTES)).as("the job ends; its log: %s", log).isTrue();
        String text = Files.readString(log);
        assertThat(training.exitValue()).as(text).isZero();
        return text;
    }

    /** The service stored the whole run: 2 epochs of 16 steps, measured every 8 steps (0, 8, 16, 24, 32). */
    private void assertStored(URI url, String project, String token, String runKey) throws Exception {
        Map<String, Object> run = getJson(url.resolve("/api/v1/projects/" + project + "/runs/" + runKey), token);
        assertThat(run.get("status")).isEqualTo("completed");
        assertThat(((Number) run.get("checkpointCount")).intValue()).isEqualTo(5);
        assertThat(((Number) run.get("lastStep")).longValue()).isEqualTo(32);
        double kl = ((Number) run.get("latestKlMean")).doubleValue();
        assertThat(kl).isPositive();
        assertThat(((Number) run.get("latestKlCiLow")).doubleValue()).isLessThanOrEqualTo(kl);
        assertThat(((Number) run.get("latestKlCiHigh")).doubleValue()).isGreaterThanOrEqualTo(kl);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> getJson(URI uri, String token) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return (Map<String, Object>) (Map<?, ?>) JSON.std.mapFrom(response.body());
    }

    private void awaitReady(Process service, URI url) throws Exception {
        HttpRequest ready = HttpRequest.newBuilder(url.resolve("/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            assertThat(service.isAlive()).as("the service exited; see target/service.log").isTrue();
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the service was not ready within 3 minutes; see target/service.log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
