package dev.driftwatch.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.harness.ServiceProcess;
import dev.driftwatch.plugin.ship.HttpDriftSink;
import dev.driftwatch.plugin.sink.JsonLinesFileSink;
import dev.driftwatch.plugin.ship.RetryPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * <p>Two tests train a real DJL model with the drift listener; the others hand records straight to
 * the sink from a loop of CPU work, which controls the rate and the timing precisely.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StreamingToServiceTest {

    private static final String PROJECT = "stream-test";
    private static final String TOKEN = "dw_stream_test_token";

    @TempDir
    static Path work;

    private static ServiceProcess service;

    @BeforeAll
    static void startService() {
        service = ServiceProcess.builder()
                .dataDir(work.resolve("pgdata"))
                .logFile(Path.of("target", "streaming-test-service.log"))
                .bootstrap(PROJECT, TOKEN)
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
    void aRealTrainingRunWithTheListenerIsStoredAsMeasured() {
        String runKey = "djl-listener";
        HttpDriftSink sink = sink(runKey).build();
        int[] epochs = {0};

        List<Long> measured = ListenerTraining.train(sink, runKey, 4, () -> ++epochs[0] < 3);

        assertThat(measured).hasSizeGreaterThan(5);
        assertThat(sink.stats().sent()).isEqualTo(measured.size() + 2);
        assertThat(storedSteps(runKey)).containsExactlyElementsOf(measured.stream().distinct().sorted().toList());
        assertThat(stored(runKey).status()).isEqualTo("completed");
    }

    @Test
    void aRealTrainingRunSurvivesTheServiceBeingKilledAndRestarted() {
        String runKey = "djl-killed";
        HttpDriftSink sink = sink(runKey).build();
        AtomicBoolean restarted = new AtomicBoolean();
        AtomicLong epochsAfterRestart = new AtomicLong();
        Thread chaos = new Thread(() -> {
            await().atMost(60, TimeUnit.SECONDS).until(() -> sink.stats().sent() >= 10);
            service.kill();
            await().atMost(30, TimeUnit.SECONDS).until(() -> sink.stats().spooled() > 0);
            service.start();
            restarted.set(true);
        }, "chaos");
        chaos.start();

        // one checkpoint per epoch (16 batches); train on while the chaos runs, then 20 epochs more
        List<Long> measured = ListenerTraining.train(sink, runKey, 16,
                () -> chaos.isAlive() || restarted.get() && epochsAfterRestart.incrementAndGet() < 20);

        assertThat(restarted).isTrue();
        assertThat(sink.stats().spooled()).isPositive();
        assertThat(sink.stats().dropped()).isZero();
        assertThat(sink.flush(Duration.ofSeconds(1))).as("everything delivered before close").isTrue();
        assertThat(storedSteps(runKey)).containsExactlyElementsOf(measured.stream().distinct().sorted().toList());
        assertThat(stored(runKey).status()).isEqualTo("completed");
    }

    @Test
    void anOfflineRunWrittenToAFileIsUploadedByTheCommandLineTool() {
        String runKey = "offline";
        Path file = work.resolve("offline.jsonl");
        List<Long> measured = ListenerTraining.train(new JsonLinesFileSink(file), runKey, 4, () -> false);

        String printed = cli("upload", file.toString(), "--url", service.url().toString(), "--project", PROJECT,
                "--token", TOKEN);

        assertThat(printed).startsWith("0 ").contains("1 run(s), " + measured.size() + " checkpoint(s)",
                "1 run end(s), 0 refused, 0 unreadable line(s)");
        assertThat(storedSteps(runKey)).containsExactlyElementsOf(measured.stream().distinct().sorted().toList());
        assertThat(stored(runKey).status()).isEqualTo("completed");
    }

    @Test
    void aServiceDownAtTheStartGetsEveryCheckpointOnceWhenItComesUp() throws Exception {
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
        try (java.util.stream.Stream<Path> left = Files.list(work.resolve("spool-" + runKey))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsOnly(".driftwatch-spool"); // the marker
        }
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
        Path spoolFile = work.resolve("spool-" + runKey).resolve(runKey + ".jsonl");
        assertThat(Files.readAllLines(spoolFile)).hasSize(6);
        assertThat(stored(runKey)).isEqualTo(Stored.NONE);

        // with the right token, the command-line tool uploads what the refused run left behind and removes the
        // spool file, so the next job does not replay it; uploading the same records again is harmless
        Path copy = Files.copy(spoolFile, work.resolve(runKey + "-copy.jsonl"));
        String[] upload = {"upload", spoolFile.toString(), "--url", service.url().toString(), "--project", PROJECT,
            "--token", TOKEN};
        assertThat(cli(upload)).startsWith("0 ").contains("1 run(s), 5 checkpoint(s) (0 already stored)",
                spoolFile + ": removed the spool file");
        assertThat(spoolFile).doesNotExist();
        upload[1] = copy.toString();
        assertThat(cli(upload)).startsWith("0 ").contains("5 checkpoint(s) (5 already stored)")
                .doesNotContain("removed");
        assertThat(stored(runKey)).isEqualTo(new Stored(5, 5, 0, 4, "running", 5));
        assertThat(cli("latest", runKey, "--url", service.url().toString(), "--project", PROJECT, "--token", TOKEN))
                .startsWith("0 ").contains("run bad-token (running), 5 checkpoint(s), last step 4",
                        String.format(java.util.Locale.ROOT, "latest kl_base_ft %.4f nats/token",
                                TrainingRecords.checkpoint(runKey, 4).headline().mean()));
    }

    /** Runs the command-line tool; answers its exit status, a space, and what it printed. */
    private static String cli(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream print = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        int status = dev.driftwatch.plugin.ship.UploadCli.run(print, print, args);
        return status + " " + out.toString(java.nio.charset.StandardCharsets.UTF_8);
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
        try (Connection db = database();
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

    private static List<Long> storedSteps(String runKey) {
        List<Long> steps = new ArrayList<>();
        try (Connection db = database();
                PreparedStatement q = db.prepareStatement("SELECT c.step FROM checkpoint c JOIN run r ON r.id = "
                        + "c.run_id JOIN project p ON p.id = r.project_id WHERE p.project_key = ? AND r.run_key = ? "
                        + "ORDER BY c.step")) {
            q.setString(1, PROJECT);
            q.setString(2, runKey);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    steps.add(rs.getLong(1));
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return steps;
    }

    private static Connection database() throws java.sql.SQLException {
        // the embedded PostgreSQL asks for the password it generated, kept beside its data directory
        String password;
        try {
            password = java.nio.file.Files.readString(work.resolve("pgdata.password")).strip();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the embedded database's password file is missing", e);
        }
        // the port the database bound (a restart after a kill may move it)
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + service.databasePort() + "/postgres",
                "postgres", password);
    }

    private static double latestKlMean(String runKey) {
        try (Connection db = database();
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
