package com.example.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.driftwatch.plugin.ship.UploadCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        Path data = Files.createTempDirectory(TARGET, "service-data-");
        // the server binds any free port and writes the one it got into this file
        Path portFile = data.resolve("service.port");
        String jar = System.getProperty("service.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)),
                "-Dservice.jar must name the monitor service's exec jar: " + jar);
        Process service = new ProcessBuilder(JAVA, "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-jar", jar,
                "--server.port=0",
                "--driftwatch.port-file=" + portFile,
                "--driftwatch.embedded-db.data-dir=" + data.resolve("pgdata"),
                "--driftwatch.bootstrap.project=" + project,
                "--driftwatch.bootstrap.token=" + token)
                .redirectErrorStream(true)
                .redirectOutput(TARGET.resolve("service.log").toFile())
                .start();
        try {
            URI url = awaitReady(service, portFile);

            Path home = Files.createTempDirectory(TARGET, "job-home-");
            String log = runJob(FineTune.class, runKey, home, Map.of(
                    "DRIFTWATCH_URL", url.toString(), "DRIFTWATCH_PROJECT", project, "DRIFTWATCH_TOKEN", token));
            assertTrue(log.contains("driftwatch: shipping to " + url + " (project " + project + ") done"), log);
            assertStored(url, project, token, runKey);

            // everything was acknowledged: nothing is left in the job's spool
            Path spool = home.resolve(".driftwatch").resolve("spool").resolve(project);
            if (Files.isDirectory(spool)) {
                try (Stream<Path> left = Files.list(spool)) {
                    assertEquals(List.of(), left.filter(p -> p.toString().endsWith(".jsonl")).toList());
                }
            }

            // the offline variant: a file, uploaded afterwards with driftwatch-upload
            String offlineKey = runKey + "-offline";
            Path offline = Files.createTempDirectory(TARGET, "offline-job-");
            runJob(OfflineFineTune.class, offlineKey, offline, Map.of());
            Path file = offline.resolve("runs").resolve(offlineKey + ".jsonl");
            assertEquals(1 + 5 + 1, Files.readAllLines(file).size()); // run, 5 checkpoints, end
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int status = UploadCli.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
                    "upload", file.toString(), "--url", url.toString(), "--project", project, "--token", token);
            assertEquals(0, status, out.toString(StandardCharsets.UTF_8));
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
        assertTrue(training.waitFor(5, TimeUnit.MINUTES), "the job ends; its log: " + log);
        String text = Files.readString(log);
        assertEquals(0, training.exitValue(), text);
        return text;
    }

    /** The service stored the whole run: 2 epochs of 16 steps, measured every 8 steps (0, 8, 16, 24, 32). */
    private void assertStored(URI url, String project, String token, String runKey) throws Exception {
        Map<String, Object> run = getJson(url.resolve("/api/v1/projects/" + project + "/runs/" + runKey), token);
        assertEquals("completed", run.get("status"), run.toString());
        assertEquals(5, ((Number) run.get("checkpointCount")).intValue(), run.toString());
        assertEquals(32, ((Number) run.get("lastStep")).longValue(), run.toString());
        double kl = ((Number) run.get("latestKlMean")).doubleValue();
        assertTrue(kl > 0, run.toString());
        assertTrue(((Number) run.get("latestKlCiLow")).doubleValue() <= kl, run.toString());
        assertTrue(((Number) run.get("latestKlCiHigh")).doubleValue() >= kl, run.toString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> getJson(URI uri, String token) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return (Map<String, Object>) (Map<?, ?>) JSON.std.mapFrom(response.body());
    }

    /** Waits until the service has written the port it bound and answers ready there; returns its URL. */
    private URI awaitReady(Process service, Path portFile) throws Exception {
        URI url = null;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            assertTrue(service.isAlive(), "the service exited; see target/service.log");
            try {
                if (url == null) {
                    String port = Files.readString(portFile).trim();
                    url = port.isEmpty() ? null : URI.create("http://localhost:" + Integer.parseInt(port));
                }
                if (url != null && http.send(HttpRequest.newBuilder(url.resolve("/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return url;
                }
            } catch (IOException | NumberFormatException notYet) {
                // no port file yet, or not answering yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the service was not ready within 3 minutes; see target/service.log");
    }
}
