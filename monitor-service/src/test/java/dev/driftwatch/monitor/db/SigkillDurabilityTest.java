package dev.driftwatch.monitor.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.harness.ServiceProcess;
import dev.driftwatch.monitor.support.Payloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Starts the service as a child JVM on its own persistent embedded PostgreSQL, kills it with SIGKILL
 * during sustained ingestion, restarts it on the same data directory and checks that every
 * checkpoint it acknowledged is there, and that no batch was stored in part.
 */
class SigkillDurabilityTest {

    private static final String PROJECT = "kill";
    private static final String TOKEN = "dw_kill_test";
    private static final int BATCH = 20;

    @TempDir
    Path work;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void everyAcknowledgedCheckpointSurvivesSigkill() throws Exception {
        Path dataDir = work.resolve("pgdata");
        try (ServiceProcess service = ServiceProcess.builder().fromCurrentClasspath()
                .dataDir(dataDir)
                .logFile(work.resolve("service.log"))
                .bootstrap(PROJECT, TOKEN)
                .start()) {
            ApiClient api = new ApiClient(service.url(), TOKEN);
            assertThat(api.putRun(PROJECT, "r", Payloads.run("full", 100, 100)).status()).isEqualTo(201);

            Set<Long> acknowledged = new ConcurrentSkipListSet<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> upload(api, acknowledged, stop), "uploader");
            writer.start();
            await().atMost(Duration.ofMinutes(2)).until(() -> acknowledged.size() >= 30 * BATCH || !writer.isAlive());
            service.kill(); // SIGKILL, while the uploader keeps sending
            stop.set(true);
            writer.join(60_000);
            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(30 * BATCH);

            service.start(); // on the same data directory (and port)
            JsonNode t = api.get("/api/v1/projects/" + PROJECT + "/runs/r/trajectory?points=20000").json();
            Set<Long> stored = new TreeSet<>();
            t.get("steps").forEach(s -> stored.add(s.longValue()));
            assertThat(stored).containsAll(acknowledged);
            // all or nothing: a batch is stored whole or not at all
            for (long step : stored) {
                long batchStart = step - step % BATCH;
                for (long s = batchStart; s < batchStart + BATCH; s++) {
                    assertThat(stored).as("batch from step " + batchStart).contains(s);
                }
            }
            assertThat(api.get("/api/v1/projects/" + PROJECT + "/runs/r").json().get("checkpointCount").intValue())
                    .isEqualTo(stored.size());
            // a graceful stop also stops its PostgreSQL
            assertThat(service.stop()).as("exited on SIGTERM").isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(dataDir.resolve("postmaster.pid")));
        } finally {
            EmbeddedPostgresLauncher.stopLeftover(dataDir);
        }
    }

    /** Uploads batches of consecutive steps until stopped or the service is gone. */
    private static void upload(ApiClient api, Set<Long> acknowledged, AtomicBoolean stop) {
        long next = 0;
        while (!stop.get()) {
            ObjectNode[] batch = new ObjectNode[BATCH];
            for (int i = 0; i < BATCH; i++) {
                batch[i] = Payloads.fullCheckpoint(next + i, 0.1 + (next + i) * 1e-4, 0.5);
            }
            try {
                ApiClient.Answer a = api.postCheckpoints(PROJECT, "r", Payloads.batch(batch));
                if (a.status() == 200) {
                    for (int i = 0; i < BATCH; i++) {
                        acknowledged.add(next + i);
                    }
                }
            } catch (RuntimeException e) {
                return; // the service was killed
            }
            next += BATCH;
        }
    }
}
