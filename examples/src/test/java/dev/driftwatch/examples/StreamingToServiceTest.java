package dev.driftwatch.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.plugin.ship.HttpDriftSink;
import dev.driftwatch.plugin.ship.RetryPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming client against the real monitor service, run as a child JVM on its embedded
 * PostgreSQL: normal streaming, the service down at the start, killed mid-stream and restarted,
 * frozen (slower than any timeout), and a refused token. What the service stored is read from its
 * database: every step exactly once.
 *
 * <p>The "training loop" hands records straight to the sink between steps of CPU work, at the
 * rate a listener would.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StreamingToServiceTest {

    private static final String PROJECT = "stream-test";
    private static final String TOKEN = "dw_stream_test_token";

    @TempDir
    static Path work;

    private static ServiceProcess service;
    private static int databasePort;

    @BeforeAll
    static void startService() {
        databasePort = ServiceProcess.freePort();
        service = ServiceProcess.builder()
                .dataDir(work.resolve("pgdata"))
                .logFile(Path.of("target", "streaming-test-service.log"))
                .bootstrap(PROJECT, TOKEN)
                .property("driftwatch.embedded-db.port", Integer.toString(databasePort))
                .start();
    }

    @AfterAll
    static void stopService() {
        if (service != null) {
            service.close();
        }
    }

    @BeforeEach
    void serviceRuns() {
        if (!service.isAlive()) {
            service.start();
        }
    }

    private static HttpDriftSink.Builder sink(String runKey) {
        return HttpDriftSink.builder()
                .setUrl(service.url())
                .setProject(PROJECT)
                .setToken(TOKEN)
                .optSpoolDir(work.resolve("spool-" + runKey))
                .optScheduleDelay(Duration.ofMillis(100))
                .optMaxBatchSize(32)
                .optRequestTimeout(Duration.ofSeconds(2))
                .optRetryPolicy(new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .optProbeInterval(Duration.ofMillis(500));
    }

    @Test
    void streamsARunThatTheServiceStoresAsSent() {
        String runKey = "normal";
        try (HttpDriftSink sink = sink(runKey).build()) {
            sink.runStarted(TrainingRecords.run(runKey));
            Training.run(sink, runKey, 0, 150);
            sink.runFinished(TrainingRecords.end(runKey));

            assertThat(sink.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(sink.stats().sent()).isEqualTo(152);
            assertThat(sink.stats().spooled()).isZero();
            assertThat(sink.lastProblem()).isEmpty();
        }
        Stored stored = stored(runKey);
        assertThat(stored).isEqualTo(new Stored(150, 150, 0, 149, "completed", 150));
        assertThat(latestKlMean(runKey)).isEqualTo(TrainingRecords.checkpoint(runKey, 149).headline().mean());
    }

    @Test
    void aServiceDownAtTheStartGetsEveryCheckpointOnceWhenItComesUp() {
        String runKey = "down-at-start";
        service.stop();
        try (HttpDriftSink sink = sink(runKey).build()) {
            sink.runStarted(TrainingRecords.run(runKey));
            Training.run(sink, runKey, 0, 40);
            await().atMost(30, TimeUnit.SECONDS).until(() -> sink.stats().spooled() == 41);

            service.start();
            Training.run(sink, runKey, 40, 80);
            sink.runFinished(TrainingRecords.end(runKey));

            await().atMost(60, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(2)));
            assertThat(sink.stats().replayed()).isGreaterThanOrEqualTo(41);
            assertThat(sink.stats().dropped()).isZero();
        }
        assertThat(stored(runKey)).isEqualTo(new Stored(80, 80, 0, 79, "completed", 80));
        assertThat(work.resolve("spool-" + runKey)).isEmptyDirectory();
    }

    @Test
    void aServiceKilledMidStreamAndRestartedLosesAndDuplicatesNothing() throws Exception {
        String runKey = "killed";
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong steps = new AtomicLong();
        try (HttpDriftSink sink = sink(runKey).build()) {
            sink.runStarted(TrainingRecords.run(runKey));
            Thread training = new Thread(() -> {
                while (!stop.get()) {
                    // a checkpoint every ~10 ms of training, faster than real listeners, slow enough to keep up
                    Training.run(sink, runKey, steps.get(), steps.get() + 1, 10);
                    steps.incrementAndGet();
                }
            }, "training");
            training.start();
            await().atMost(30, TimeUnit.SECONDS).until(() -> sink.stats().sent() >= 50);

            service.kill();
            await().atMost(30, TimeUnit.SECONDS).until(() -> sink.stats().spooled() > 0);
            service.start();
            long stepsAtRestart = steps.get();
            await().atMost(60, TimeUnit.SECONDS).until(() -> sink.stats().replayed() > 0
                    && steps.get() > stepsAtRestart + 50);
            stop.set(true);
            training.join();
            sink.runFinished(TrainingRecords.end(runKey));

            await().atMost(60, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(2)));
            assertThat(sink.stats().dropped()).isZero();
        }
        long n = steps.get();
        assertThat(stored(runKey)).isEqualTo(new Stored(n, n, 0, n - 1, "completed", n));
    }

    @Test
    void aServiceSlowerThanTheTimeoutDoesNotSlowTraining() {
        String runKey = "frozen";
        int steps = 400;
        long baseline = Training.time(null, runKey, steps);
        try (HttpDriftSink sink = sink(runKey).optRequestTimeout(Duration.ofMillis(300)).build()) {
            service.pause();
            long[] handOver;
            long withFrozenService;
            try {
                sink.runStarted(TrainingRecords.run(runKey));
                long start = System.nanoTime();
                handOver = Training.run(sink, runKey, 0, steps);
                withFrozenService = System.nanoTime() - start;
                await().atMost(30, TimeUnit.SECONDS).until(() -> sink.stats().retried() > 0);
            } finally {
                service.resume();
            }
            long baselineAgain = Training.time(null, runKey, steps);
            Arrays.sort(handOver);
            System.out.printf("frozen service: training %.1f ms vs %.1f/%.1f ms without a sink; hand-over p50 %d ns,"
                    + " p99 %d ns%n", withFrozenService / 1e6, baseline / 1e6, baselineAgain / 1e6,
                    handOver[steps / 2], handOver[steps * 99 / 100]);
            // one 300 ms timeout on the training thread alone would cost far more than this bound
            assertThat((double) withFrozenService).isLessThan(1.5 * Math.max(baseline, baselineAgain));

            sink.runFinished(TrainingRecords.end(runKey));
            await().atMost(60, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(2)));
        }
        assertThat(stored(runKey)).isEqualTo(new Stored(steps, steps, 0, steps - 1, "completed", steps));
    }

    @Test
    void anUnknownTokenIsReportedClearlyAndTheRecordsStayInTheSpool() throws Exception {
        String runKey = "bad-token";
        try (HttpDriftSink sink = sink(runKey).setToken("dw_not_a_token").build()) {
            sink.runStarted(TrainingRecords.run(runKey));
            Training.run(sink, runKey, 0, 5);

            assertThat(sink.flush(Duration.ofSeconds(10))).isFalse();
            assertThat(sink.lastProblem()).hasValueSatisfying(p -> assertThat(p).startsWith("401"));
            assertThat(sink.stats().sent()).isZero();
        }
        assertThat(Files.readAllLines(work.resolve("spool-" + runKey).resolve(runKey + ".jsonl"))).hasSize(6);
        assertThat(stored(runKey)).isEqualTo(Stored.NONE);
    }

    @Test
    void aTokenOfAnotherProjectIsReportedClearly() {
        String runKey = "other-project";
        try (HttpDriftSink sink = sink(runKey).setProject("someone-else").build()) {
            sink.runStarted(TrainingRecords.run(runKey));

            assertThat(sink.flush(Duration.ofSeconds(10))).isFalse();
            assertThat(sink.lastProblem()).hasValueSatisfying(p -> assertThat(p).startsWith("403"));
        }
    }

    /**
     * What the service stored for a run.
     *
     * @param rows checkpoint rows
     * @param distinctSteps distinct steps among them
     * @param minStep smallest step
     * @param maxStep largest step
     * @param status the run's status
     * @param checkpointCount the run's own count
     */
    record Stored(long rows, long distinctSteps, long minStep, long maxStep, String status, long checkpointCount) {
        static final Stored NONE = new Stored(0, 0, 0, 0, null, 0);
    }

    private static Stored stored(String runKey) {
        String sql = """
                SELECT count(c.step), count(DISTINCT c.step), coalesce(min(c.step), 0), coalesce(max(c.step), 0),
                       r.status, r.checkpoint_count
                FROM run r JOIN project p ON p.id = r.project_id LEFT JOIN checkpoint c ON c.run_id = r.id
                WHERE p.project_key = ? AND r.run_key = ?
                GROUP BY r.status, r.checkpoint_count""";
        try (Connection db = DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + databasePort + "/postgres", "postgres", "");
                PreparedStatement q = db.prepareStatement(sql)) {
            q.setString(1, PROJECT);
            q.setString(2, runKey);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return Stored.NONE;
                }
                return new Stored(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5),
                        rs.getLong(6));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double latestKlMean(String runKey) {
        try (Connection db = DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + databasePort + "/postgres", "postgres", "");
                PreparedStatement q = db.prepareStatement("SELECT r.latest_kl_mean FROM run r JOIN project p ON "
                        + "p.id = r.project_id WHERE p.project_key = ? AND r.run_key = ?")) {
            q.setString(1, PROJECT);
            q.setString(2, runKey);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getDouble(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
