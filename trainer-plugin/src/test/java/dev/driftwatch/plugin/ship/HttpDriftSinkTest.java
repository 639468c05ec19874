package dev.driftwatch.plugin.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.WireJson;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The sink end to end against a scriptable HTTP server: batching, spooling, replay, refusals, close. */
@Timeout(60)
class HttpDriftSinkTest {

    private static final String RUN = "run-1";
    private static final RetryPolicy QUICK = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(100),
            Duration.ofMillis(300));

    @TempDir
    Path spoolDir;

    private FakeService service;

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
    }

    private HttpDriftSink.Builder sink(String url) {
        return HttpDriftSink.builder().setUrl(url).setProject("demo").setToken("dw_secret")
                .optSpoolDir(spoolDir)
                .optScheduleDelay(Duration.ofMillis(50))
                .optRetryPolicy(QUICK)
                .optProbeInterval(Duration.ofMillis(100))
                .optRequestTimeout(Duration.ofSeconds(2))
                .optFlushTimeout(Duration.ofSeconds(5));
    }

    /**
     * An earlier job that ran while the service was down: {@code job} feeds a sink whose service port is
     * closed, the sink closes (its records stay in the spool), and then the service starts on that port.
     */
    private void earlierJobWhileTheServiceIsDown(java.util.function.Consumer<HttpDriftSink> job) throws Exception {
        try (ReservedPort down = new ReservedPort()) {
            HttpDriftSink first = sink(down.url()).build();
            job.accept(first);
            first.close();
            service = new FakeService().start(down.port());
        }
    }

    /** {@link #earlierJobWhileTheServiceIsDown} that started the run and spooled steps 0 to {@code steps - 1}. */
    private void earlierJobSpooled(long steps) throws Exception {
        earlierJobWhileTheServiceIsDown(first -> {
            first.runStarted(Records.run(RUN));
            train(first, 0, steps);
        });
    }

    /** {@link #earlierJobSpooled}, of checkpoints of 5,000 tensors (~1 MB each: 9 pass what one request carries). */
    private void earlierJobSpooledLarge(long steps) throws Exception {
        earlierJobWhileTheServiceIsDown(first -> {
            first.runStarted(Records.run(RUN));
            for (long step = 0; step < steps; step++) {
                first.checkpoint(Records.checkpointWithTensors(RUN, step, 5000));
            }
        });
    }

    private static void train(HttpDriftSink sink, long from, long to) {
        for (long step = from; step < to; step++) {
            sink.checkpoint(Records.checkpoint(RUN, step));
        }
    }

    private static List<Long> steps(long from, long to) {
        return LongStream.range(from, to).boxed().toList();
    }

    /** The spool directory's files, but the marker that makes it a spool directory. */
    private List<Path> spoolContents() throws Exception {
        try (java.util.stream.Stream<Path> files = Files.list(spoolDir)) {
            return files.filter(p -> !p.getFileName().toString().equals(Spool.MARKER)).toList();
        }
    }

    @Test
    void streamsEveryRecordOnceInBatches() throws Exception {
        service = new FakeService().start();
        try (HttpDriftSink sink = sink(service.url()).optMaxBatchSize(16).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 200);
            sink.runFinished(Records.end(RUN));

            assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(sink.stats()).isEqualTo(new ShipStats(202, 0, 0, 0, 0, 0));
        }
        assertThat(service.acceptedRuns).containsExactly(RUN);
        assertThat(service.acceptedSteps).containsExactlyElementsOf(steps(0, 200));
        assertThat(service.finished).hasSize(1);
        long checkpointRequests = service.seen.stream().filter(s -> s.path().endsWith("/checkpoints")).count();
        assertThat(checkpointRequests).isBetween(13L, 199L);
        assertThat(spoolContents()).isEmpty(); // every record confirmed: its files are gone
    }

    @Test
    void aServiceDownAtTheStartGetsEverythingOnceWhenItComesUp() throws Exception {
        try (ReservedPort down = new ReservedPort(); HttpDriftSink sink = sink(down.url()).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 50);
            await().atMost(10, TimeUnit.SECONDS).until(() -> sink.stats().spooled() == 51);
            assertThat(sink.lastProblem()).hasValueSatisfying(p -> assertThat(p).contains("unreachable"));

            service = new FakeService().start(down.port());
            train(sink, 50, 100);
            sink.runFinished(Records.end(RUN));

            await().atMost(20, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(1)));
            assertThat(sink.stats().replayed() + sink.stats().sent()).isEqualTo(102);
            assertThat(sink.stats().dropped()).isZero();
        }
        assertThat(service.acceptedSteps).containsExactlyElementsOf(steps(0, 100));
        assertThat(service.seen.get(0).method()).isEqualTo("PUT");
        assertThat(service.seen.get(service.seen.size() - 1).path()).endsWith("/finish");
        assertThat(spoolContents()).isEmpty(); // every record confirmed: its files are gone
    }

    @Test
    void aLaterProcessReplaysWhatAnEarlierOneLeftInTheSpool() throws Exception {
        try (ReservedPort down = new ReservedPort()) {
            HttpDriftSink first = sink(down.url()).build();
            first.runStarted(Records.run(RUN));
            train(first, 0, 30);
            first.close();
            assertThat(first.stats().spooled()).isEqualTo(31);
            assertThat(first.flush(Duration.ofMillis(10))).isFalse();
            assertThat(Files.readAllLines(spoolDir.resolve(RUN + ".jsonl"))).hasSize(31);

            service = new FakeService().start(down.port());
        }
        try (HttpDriftSink resumed = sink(service.url()).build()) {
            resumed.runStarted(Records.run(RUN));
            train(resumed, 30, 60);
            assertThat(resumed.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(resumed.stats().replayed()).isGreaterThanOrEqualTo(31);
        }
        assertThat(service.acceptedSteps).containsExactlyElementsOf(steps(0, 60));
        assertThat(spoolContents()).isEmpty(); // every record confirmed: its files are gone
    }

    @Test
    void aFullQueueSpillsIntoTheSpoolAndNothingIsLost() throws Exception {
        service = new FakeService().start();
        service.thenFail(new MockResponse().setResponseCode(201).setBody("{}").setHeadersDelay(500, TimeUnit.MILLISECONDS));
        try (HttpDriftSink sink = sink(service.url()).optQueueCapacity(4).optMaxBatchSize(4).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 100);
            assertThat(sink.stats().spooled()).isPositive();

            await().atMost(20, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(1)));
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(steps(0, 100));
    }

    /**
     * Checkpoints of 2,000 tensors (~360 KB of JSON each) while the sender is held up in a slow request: the queue
     * keeps only what fits its bytes (here 4 MiB), the training thread spools the rest, and everything arrives once
     * the service answers. Bounded only by count, the queue took all 60 (2048 would be gigabytes of heap for
     * checkpoints of the service's 10,000 tensors).
     */
    @Test
    void largeCheckpointsFillTheQueueByTheirBytesAndTheRestIsSpooledNotLost() throws Exception {
        service = new FakeService().start();
        service.gate = new java.util.concurrent.CountDownLatch(1);
        try (HttpDriftSink sink = sink(service.url()).optQueueBytes(4L << 20).optMaxBatchSize(8)
                .optRequestTimeout(Duration.ofSeconds(40)).build()) {
            sink.runStarted(Records.run(RUN));
            await().atMost(5, TimeUnit.SECONDS).until(() -> service.server.getRequestCount() > 0); // the PUT waits
            for (long step = 0; step < 60; step++) {
                sink.checkpoint(Records.checkpointWithTensors(RUN, step, 2000));
            }
            // at most 4 MiB of estimated JSON (~0.5 MB each, so <= 9) in memory, the rest in the spool
            assertThat(sink.stats().spooled()).isGreaterThanOrEqualTo(60 - 9);
            service.gate.countDown();

            assertThat(sink.flush(Duration.ofSeconds(40))).isTrue();
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(steps(0, 60));
    }

    /**
     * A queue bounded below a batch's 8 MiB: half of it makes a batch, sent at once rather than at the next
     * scheduled export (here half a minute away). Before, such a queue never held a batch: its records waited
     * for the schedule while later ones went to the spool.
     */
    @Test
    void aQueueSmallerThanABatchSendsWhenItIsHalfFull() throws Exception {
        service = new FakeService().start();
        try (HttpDriftSink sink = sink(service.url()).optQueueBytes(4L << 20).optScheduleDelay(Duration.ofSeconds(30))
                .build()) {
            sink.runStarted(Records.run(RUN));
            for (long step = 0; step < 6; step++) { // ~3 MB of estimated JSON
                sink.checkpoint(Records.checkpointWithTensors(RUN, step, 2000));
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> service.acceptedSteps.size() >= 4);
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(steps(0, 6));
    }

    @Test
    void anUnknownTokenIsReportedOnceAndTheRecordsStayInTheSpool() throws Exception {
        service = new FakeService().start();
        service.thenFail(FakeService.problem(401, "unknown API token"));
        try (HttpDriftSink sink = sink(service.url()).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 10);
            sink.runFinished(Records.end(RUN));

            assertThat(sink.flush(Duration.ofSeconds(5))).isFalse();
            assertThat(sink.lastProblem()).hasValue("401 Refused: unknown API token");
            assertThat(sink.stats().sent()).isZero();
            assertThat(sink.stats().spooled()).isEqualTo(12);
        }
        assertThat(service.seen).hasSize(1);
        List<String> lines = Files.readAllLines(spoolDir.resolve(RUN + ".jsonl"));
        assertThat(lines).hasSize(12);
        assertThat(WireJson.fromLine(lines.get(0))).isEqualTo(Records.run(RUN));
    }

    @Test
    void aBatchRefusedForOneBadCheckpointDeliversTheOthers() throws Exception {
        service = new FakeService().start();
        service.invalidStep = step -> step == 13;
        try (HttpDriftSink sink = sink(service.url()).optMaxBatchSize(64).optScheduleDelay(Duration.ofMillis(500))
                .build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 30);
            sink.flush(Duration.ofSeconds(10));

            assertThat(sink.stats().rejected()).isEqualTo(1);
            assertThat(sink.stats().sent()).isEqualTo(30);
            assertThat(sink.lastProblem()).hasValueSatisfying(p -> assertThat(p).contains("400", "13"));
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(
                steps(0, 30).stream().filter(s -> s != 13).toList());
        List<String> rejected = Files.readAllLines(spoolDir.resolve(RUN + ".rejected.jsonl"));
        assertThat(rejected).singleElement()
                .satisfies(l -> assertThat(((CheckpointReport) WireJson.fromLine(l)).step()).isEqualTo(13));
    }

    @Test
    void aCheckpointTheServiceFailsOnIsSetAsideAndTheRunFlowsOn() throws Exception {
        // a 500 every time for step 3 (a record that triggers a bug of the service): it used to block the run,
        // every later step held in the spool, in this process and in every later one
        service = new FakeService().start();
        service.failingStep = step -> step == 3;
        try (HttpDriftSink sink = sink(service.url()).optMaxBatchSize(1).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 10);
            sink.runFinished(Records.end(RUN));

            assertThat(sink.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.stats().rejected()).isEqualTo(1);
            assertThat(sink.lastProblem()).hasValueSatisfying(p -> assertThat(p).contains("500"));
        }
        assertThat(service.acceptedSteps).containsExactlyElementsOf(
                steps(0, 10).stream().filter(s -> s != 3).toList());
        assertThat(service.finished).hasSize(1);
        assertThat(Files.readAllLines(spoolDir.resolve(RUN + ".rejected.jsonl"))).singleElement()
                .satisfies(l -> assertThat(((CheckpointReport) WireJson.fromLine(l)).step()).isEqualTo(3));
    }

    @Test
    void aCheckpointTheServiceFailsOnInTheSpoolOfAnEarlierJobIsSetAsideOnReplay() throws Exception {
        earlierJobSpooled(10);
        // (this job does not run it: it knows the run from the spool file's first line)
        replayedAllButStepThreeWhichIsSetAside(sink(service.url()).optMaxBatchSize(4), 30);
    }

    @Test
    void passingServerFaultsSetNothingAside() throws Exception {
        // the spool replayed by a probe whose one attempt gets a 500, and a run record the service fails on
        // for a whole retry loop (kept for a later job): nothing is set aside, everything is delivered
        earlierJobSpooled(5);
        service.thenFail(FakeService.status(500));
        try (HttpDriftSink second = sink(service.url()).build()) {
            await().atMost(30, TimeUnit.SECONDS).until(() -> second.flush(Duration.ofSeconds(1)));
            service.failingRunPut = key -> key.equals("run-2"); // for longer than a retry loop
            second.runStarted(Records.run("run-2"));
            second.checkpoint(Records.checkpoint("run-2", 7));
            assertThat(second.flush(Duration.ofSeconds(3))).isFalse();
            assertThat(second.stats().rejected()).isZero();
        }
        service.failingRunPut = key -> false;
        try (HttpDriftSink later = sink(service.url()).build()) {
            await().atMost(30, TimeUnit.SECONDS).until(() -> later.flush(Duration.ofSeconds(1)));
            assertThat(later.stats().rejected()).isZero();
        }
        assertThat(service.acceptedRuns).contains(RUN, "run-2");
        assertThat(service.acceptedSteps).containsAll(steps(0, 5)).contains(7L);
        assertThat(spoolDir.resolve(RUN + ".rejected.jsonl")).doesNotExist();
        assertThat(spoolDir.resolve("run-2.rejected.jsonl")).doesNotExist();
    }

    @Test
    void aRunWhoseRecordTheServiceFailsOnWaitsInTheSpoolAndTheOthersFlow() throws Exception {
        service = new FakeService().start();
        service.failingRunPut = key -> key.equals("run-a");
        try (HttpDriftSink sink = sink(service.url()).build()) {
            sink.runStarted(Records.run("run-a"));
            sink.runStarted(Records.run("run-b"));
            for (long step = 0; step < 5; step++) {
                sink.checkpoint(Records.checkpoint("run-a", step));
                sink.checkpoint(Records.checkpoint("run-b", step));
            }
            await().atMost(20, TimeUnit.SECONDS).until(() -> service.acceptedSteps.size() == 5);
            assertThat(sink.stats().rejected()).isZero();
        }
        assertThat(service.acceptedRuns).containsExactly("run-b");
        assertThat(new Spool(spoolDir).readPending(spoolDir.resolve("run-a.jsonl"), 100)).hasSize(6);
    }

    @Test
    void aRunTheServiceLostIsCreatedAgainOnceTheServiceAnswers() throws Exception {
        // a 404 for the checkpoints (the service lost the run), and the re-create meets an outage: the records
        // wait for the service (they were blocked for the rest of the process, as if the run were refused)
        service = new FakeService().start();
        try (HttpDriftSink sink = sink(service.url()).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 3);
            assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
            service.lostRuns.add(RUN);
            service.thenFail(FakeService.problem(404, "no run " + RUN));
            for (int i = 0; i < 40; i++) {
                service.thenFail(FakeService.status(503));
            }
            train(sink, 3, 6);
            await().atMost(30, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(1)));
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(steps(0, 6));
    }

    @Test
    void aLargeSpooledBatchWithACheckpointTheServiceFailsOnIsSplitAndSetAsideOnReplay() throws Exception {
        // 10 checkpoints of ~1 MB: past the 8 MiB of one request, so the probe itself sends them one by one
        earlierJobSpooledLarge(10);
        replayedAllButStepThreeWhichIsSetAside(sink(service.url()).optRequestTimeout(Duration.ofSeconds(20)), 60);
    }

    /**
     * The service fails on step 3 of the 10 an earlier job spooled: a job with this sink replays them, sets step 3
     * aside and delivers the others.
     */
    private void replayedAllButStepThreeWhichIsSetAside(HttpDriftSink.Builder builder, long seconds)
            throws Exception {
        service.failingStep = step -> step == 3;
        try (HttpDriftSink second = builder.build()) {
            await().atMost(seconds, TimeUnit.SECONDS).until(() -> second.flush(Duration.ofSeconds(1)));
            assertThat(second.stats().rejected()).isEqualTo(1);
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(
                steps(0, 10).stream().filter(s -> s != 3).toList());
    }

    /**
     * A spooled batch too large for one request is replayed one checkpoint at a time; the service becomes
     * unavailable at the fourth. What went before is confirmed: the probes that follow start at the fourth, and
     * once the service is back every checkpoint has arrived once. Before, nothing of a batch sent one by one was
     * confirmed until all of it was, and every probe sent the first three again (10 times each in one run of this
     * test).
     */
    @Test
    void aBatchReplayedOneByOneThatStopsPartwayIsNotSentAgainFromItsStart() throws Exception {
        earlierJobSpooledLarge(10);
        service.unavailableStep = step -> step == 3;
        try (HttpDriftSink second = sink(service.url()).optRequestTimeout(Duration.ofSeconds(20)).build()) {
            // from the fourth checkpoint on, an outage: its run's record goes unanswered too (a checkpoint alone
            // unanswered while its run's record is taken would be set aside, see the test below)
            await().atMost(30, TimeUnit.SECONDS).until(() -> requestsHolding(3) >= 1);
            service.runPutUnavailable = true;
            // three probes that reach the fourth checkpoint, each after the retry loop gave up on it
            await().atMost(30, TimeUnit.SECONDS).until(() -> requestsHolding(3) >= 3 * 4);
            service.unavailableStep = step -> false;
            service.runPutUnavailable = false;
            await().atMost(30, TimeUnit.SECONDS).until(() -> second.flush(Duration.ofSeconds(1)));
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(steps(0, 10));
    }

    /**
     * An error on the sender's thread while a batch goes out (out of memory while it builds one, say): it used to
     * end the sender, every record queued then and after lost without a trace, and the closing line said
     * "done ... dropped=0". Now the batch is spooled and sent again, and the sender goes on; an error of a
     * broken JVM ends it, but what was queued is spooled first and the flush says so.
     */
    @Test
    void anErrorOnTheSendersThreadLosesNothingAndTheSenderGoesOn() throws Exception {
        service = new FakeService().start();
        HttpClient oomOnce = new ThrowingHttpClient(n -> n == 3 ? new OutOfMemoryError("Java heap space") : null);
        try (HttpDriftSink sink = sink(service.url()).optHttpClient(oomOnce).optMaxBatchSize(1).build()) {
            sink.runStarted(Records.run(RUN));
            for (long step = 0; step < 10; step++) {
                sink.checkpoint(Records.checkpoint(RUN, step));
            }
            sink.runFinished(Records.end(RUN));
            await().atMost(20, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(1)));
            assertThat(sink.stats().dropped()).isZero();
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(steps(0, 10));
        assertThat(service.finished).hasSize(1);

        HttpClient broken = new ThrowingHttpClient(n -> n == 2 ? new InternalError("the JVM itself") : null);
        try (HttpDriftSink sink = sink(service.url()).optHttpClient(broken).build()) {
            sink.runStarted(Records.run("run-2"));
            sink.checkpoint(Records.checkpoint("run-2", 0));
            assertThat(sink.flush(Duration.ofSeconds(5))).isFalse();
        }
        assertThat(Files.readAllLines(spoolDir.resolve("run-2" + Spool.EXTENSION))).hasSizeGreaterThanOrEqualTo(2);
    }

    /**
     * The spool held by a thread stuck in its I/O (a hung network file system under the default spool in the
     * home directory; here a thread that takes the spool's lock and keeps it): the training thread, which spools
     * when the send queue is full and reads the spool at close, used to wait for it without end. Now it waits
     * at most {@link Spool#LOCK_WAIT} once, then drops (and counts) the records that find the queue full for a
     * while, and close ends within its bounds.
     */
    @Test
    void aSpoolStuckInAnotherThreadsIoHoldsUpTheTrainingThreadAtMostOnceAndBriefly() throws Exception {
        try (ReservedPort down = new ReservedPort()) {
            HttpDriftSink sink = sink(down.url()).optQueueCapacity(4).optFlushTimeout(Duration.ofSeconds(1)).build();
            java.lang.reflect.Field spoolField = HttpDriftSink.class.getDeclaredField("spool");
            spoolField.setAccessible(true);
            java.lang.reflect.Field mutexField = Spool.class.getDeclaredField("mutex");
            mutexField.setAccessible(true);
            java.util.concurrent.locks.ReentrantLock mutex =
                    (java.util.concurrent.locks.ReentrantLock) mutexField.get(spoolField.get(sink));
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            Thread stuck = new Thread(() -> {
                mutex.lock();
                try {
                    held.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    mutex.unlock();
                }
            });
            stuck.start();
            held.await();
            try {
                sink.runStarted(Records.run(RUN));
                long longest = 0;
                long start = System.nanoTime();
                for (long step = 0; step < 40; step++) {
                    long t0 = System.nanoTime();
                    sink.checkpoint(Records.checkpoint(RUN, step));
                    longest = Math.max(longest, System.nanoTime() - t0);
                }
                long all = System.nanoTime() - start;
                assertThat(Duration.ofNanos(longest)).isLessThan(Spool.LOCK_WAIT.plusSeconds(1));
                assertThat(Duration.ofNanos(all)).as("one wait, not one per record").isLessThan(
                        Spool.LOCK_WAIT.multipliedBy(2).plusSeconds(1));
                assertThat(sink.stats().dropped()).isPositive();
                long t0 = System.nanoTime();
                sink.close();
                // the flush (1 s), the sender's grace (5 s), the summary's look at the spool (LOCK_WAIT)
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(12));
            } finally {
                release.countDown();
                stuck.join();
            }
        }
    }

    /**
     * A spool directory holding something this process cannot read as a spool file (here a directory named like
     * one; another user's file, elsewhere): it used to fail the listing of every pending file, so after the first
     * outage the sink never probed again and spooled everything, and its closing line said "done". Now that
     * entry is skipped and the outage ends as any other.
     */
    @Test
    void anEntryOfTheSpoolThatCannotBeReadHoldsUpNothingAfterAnOutage() throws Exception {
        // (a directory: the tests may run as root, whom a file's permissions do not keep out)
        Files.createDirectories(spoolDir.resolve("other-job" + Spool.EXTENSION).resolve("x"));
        try (ReservedPort down = new ReservedPort(); HttpDriftSink sink = sink(down.url()).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 5);
            await().atMost(10, TimeUnit.SECONDS).until(() -> sink.stats().spooled() == 6);
            service = new FakeService().start(down.port());
            train(sink, 5, 10);
            sink.runFinished(Records.end(RUN));
            await().atMost(20, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(1)));
        }
        assertThat(service.acceptedSteps).containsExactlyElementsOf(steps(0, 10));
        assertThat(service.finished).hasSize(1);
    }

    /**
     * A checkpoint that goes unanswered every time (a 503 for every request holding it: a proxy's answer to a
     * record that times the service out, say) while the service takes everything else, its run's record
     * included. It used to head the spool for good: every probe sent it again and failed, so the rest of the run
     * was spooled and never sent, and so was everything of a later job on the same spool. Now it is set aside
     * after {@link Shipper#STRIKES} failures in a row, and the rest arrives; a later job's records too.
     */
    @Test
    void aCheckpointThatGoesUnansweredWhileItsRunIsTakenIsSetAsideAndTheRestFlows() throws Exception {
        service = new FakeService().start();
        service.unavailableStep = step -> step == 3;
        try (HttpDriftSink sink = sink(service.url()).optMaxBatchSize(4).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 10);
            sink.runFinished(Records.end(RUN));
            await().atMost(60, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofSeconds(1)));
            assertThat(sink.stats().rejected()).isEqualTo(1);
            assertThat(sink.lastProblem()).hasValueSatisfying(p -> assertThat(p).contains("503"));
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(
                steps(0, 10).stream().filter(s -> s != 3).toList());
        assertThat(service.finished).hasSize(1);
        assertThat(Files.readAllLines(spoolDir.resolve(RUN + ".rejected.jsonl"))).singleElement()
                .satisfies(l -> assertThat(((CheckpointReport) WireJson.fromLine(l)).step()).isEqualTo(3));
        // a later job on the same spool is not held up either
        try (HttpDriftSink later = sink(service.url()).build()) {
            later.runStarted(Records.run("run-2"));
            later.checkpoint(Records.checkpoint("run-2", 0));
            assertThat(later.flush(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(service.acceptedRuns).contains("run-2");
    }

    /**
     * A backlog in the spool (an earlier job's 300 checkpoints, replayed one per request) is replayed in rounds
     * of {@link Shipper#REPLAY_REQUESTS_PER_ROUND} requests, and the records that arrive meanwhile go out
     * between rounds: they used to wait until the whole backlog was through (minutes, for a large one), the queue
     * filling and every further record spooled on the training thread.
     */
    @Test
    void liveRecordsGoOutBetweenRoundsOfALargeReplay() throws Exception {
        earlierJobSpooled(300);
        try (HttpDriftSink second = sink(service.url()).optMaxBatchSize(1).build()) {
            second.runStarted(Records.run("run-2"));
            second.checkpoint(Records.checkpoint("run-2", 0));
            await().atMost(60, TimeUnit.SECONDS).until(() -> second.flush(Duration.ofSeconds(1)));
        }
        List<String> paths;
        synchronized (service.seen) {
            paths = service.seen.stream().map(FakeService.Seen::path).toList();
        }
        int live = -1;
        for (int i = paths.size() - 1; i >= 0; i--) {
            if (paths.get(i).endsWith("/runs/run-2/checkpoints")) {
                live = i;
            }
        }
        assertThat(live).isNotNegative();
        int lastOfBacklog = -1;
        for (int i = 0; i < paths.size(); i++) {
            if (paths.get(i).endsWith("/runs/" + RUN + "/checkpoints")) {
                lastOfBacklog = i;
            }
        }
        assertThat(live).as("the live checkpoint went out before the backlog's last").isLessThan(lastOfBacklog);
        assertThat(service.acceptedSteps).hasSize(301);
    }

    /**
     * A job that exits without closing its sink (a trainer never closed; an exception outside a
     * try-with-resources) while its records wait in the queue and a request waits for an answer: the sender, a
     * daemon thread, ended with the JVM and they were lost. Now a shutdown hook spools them.
     */
    @Test
    void recordsOfASinkNeverClosedAreSpooledWhenTheJvmExits() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1);
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // taken, never answered
                        taken.countDown();
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Process job = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), UnclosedSinkMain.class.getName(), spoolDir.toString(),
                    "http://localhost:" + silent.getLocalPort(), "5").redirectErrorStream(true).start();
            // the job exits once the silent service holds its request, not after a fixed time
            assertThat(taken.await(60, TimeUnit.SECONDS)).as("the job's request reached the service").isTrue();
            try (java.io.OutputStream in = job.getOutputStream()) {
                in.write('\n');
            }
            String output = new String(job.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(job.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(output).contains("exiting with the sink open");
            for (java.net.Socket s : held) {
                s.close();
            }
        }
        List<String> lines = Files.readAllLines(spoolDir.resolve("unclosed" + Spool.EXTENSION));
        assertThat(lines).hasSize(6); // the run and its 5 checkpoints
    }

    /** How many checkpoint requests the service saw that held the step. */
    private long requestsHolding(long step) {
        synchronized (service.seen) {
            return service.seen.stream().filter(r -> r.json().get("checkpoints") instanceof List<?> list
                    && list.stream().anyMatch(c -> ((Number) ((Map<?, ?>) c).get("step")).longValue() == step))
                    .count();
        }
    }

    @Test
    void aServiceThatFailsOnEveryRequestSetsNothingAside() throws Exception {
        // a 500 for every request after the run's first (the service broken, not the records): kept in the
        // spool, none set aside
        service = new FakeService().start();
        service.failingStep = step -> {
            service.failingEverything = true;
            return true;
        };
        try (HttpDriftSink sink = sink(service.url()).optMaxBatchSize(4).optFlushTimeout(Duration.ofSeconds(1))
                .build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 10);

            assertThat(sink.flush(Duration.ofSeconds(3))).isFalse();
            sink.close();
            assertThat(sink.stats().rejected()).isZero();
            assertThat(sink.stats().dropped()).isZero();
        }
        assertThat(service.acceptedSteps).isEmpty();
        assertThat(spoolDir.resolve(RUN + ".rejected.jsonl")).doesNotExist();
        assertThat(new Spool(spoolDir).readPending(spoolDir.resolve(RUN + ".jsonl"), 100))
                .extracting(l -> WireJson.fromLine(l.text()))
                .filteredOn(r -> r instanceof CheckpointReport)
                .extracting(r -> ((CheckpointReport) r).step())
                .containsExactlyInAnyOrderElementsOf(steps(0, 10));
    }

    @Test
    void aBatchTooLargeForOneRequestGoesOneByOne() throws Exception {
        // 48 checkpoints of 5,000 tensors (~1 MB of JSON each) in one batch were one request of ~50 MB, past the
        // service's 16 MB limit: refused (or reset) and sent again at every probe
        List<CheckpointReport> checkpoints = new java.util.ArrayList<>();
        for (long step = 0; step < 48; step++) {
            checkpoints.add(Records.checkpointWithTensors(RUN, step, 5000));
        }
        allArriveInRequestsWithinTheLimit(checkpoints);
    }

    /**
     * Tensor names in a script of three UTF-8 bytes a character: 10 checkpoints are 6.6 million characters of
     * JSON but 12.6 MB, and the service counts bytes. Counted in characters, they went as one request past the
     * 8 MiB a request carries; counted in bytes, one by one.
     */
    @Test
    void aBatchWhoseUtf8BytesPassTheLimitGoesOneByOne() throws Exception {
        String layer = "変換層".repeat(50);
        List<CheckpointReport> checkpoints = new java.util.ArrayList<>();
        for (long step = 0; step < 10; step++) {
            CheckpointReport c = Records.checkpointWithTensors(RUN, step, 2000);
            List<dev.driftwatch.contract.TensorDrift> named = new java.util.ArrayList<>();
            for (dev.driftwatch.contract.TensorDrift t : c.parameters().tensors()) {
                named.add(new dev.driftwatch.contract.TensorDrift(layer + named.size(), t.trainable(), t.buffer(),
                        t.size(), t.deltaL2(), t.baseL2(), t.relative(), t.stableRank()));
            }
            checkpoints.add(new CheckpointReport(c.runKey(), c.step(), c.epoch(), c.time(), c.valid(),
                    c.invalidReason(), c.approximation(), c.temperature(), c.probeCount(), c.metrics(), c.slices(),
                    c.topExamples(), new dev.driftwatch.contract.ParameterDrift(1000, 1000, 1.0, 0.01, named),
                    c.taskMetrics()));
        }
        allArriveInRequestsWithinTheLimit(checkpoints);
    }

    /** Hands the checkpoints over in batches of up to 64: every one arrives, no request past the limit. */
    private void allArriveInRequestsWithinTheLimit(List<CheckpointReport> checkpoints) throws Exception {
        service = new FakeService().start();
        try (HttpDriftSink sink = sink(service.url()).optMaxBatchSize(64).optScheduleDelay(Duration.ofSeconds(2))
                .optRequestTimeout(Duration.ofSeconds(20)).build()) {
            sink.runStarted(Records.run(RUN));
            checkpoints.forEach(sink::checkpoint);

            assertThat(sink.flush(Duration.ofSeconds(40))).isTrue();
            assertThat(sink.stats().rejected()).isZero();
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(steps(0, checkpoints.size()));
        assertThat(service.largestBody).isLessThanOrEqualTo(IngestionClient.MAX_REQUEST_BYTES);
    }

    @Test
    void aFlushSaysNotDeliveredWhenRecordsWereDropped() throws Exception {
        // the service down and a spool that cannot be written (here a file where the directory should be)
        Path notADirectory = Files.writeString(spoolDir.resolve("file"), "x");
        try (ReservedPort down = new ReservedPort();
                HttpDriftSink sink = sink(down.url()).optSpoolDir(notADirectory.resolve("spool")).build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 5);
            await().atMost(10, TimeUnit.SECONDS).until(() -> sink.stats().dropped() > 0);

            assertThat(sink.flush(Duration.ofSeconds(2))).isFalse();
        }
    }

    @Test
    void aFlushTimeoutOfForeverClosesLikeAnyOther() throws Exception {
        service = new FakeService().start();
        HttpDriftSink sink = sink(service.url()).optFlushTimeout(java.time.temporal.ChronoUnit.FOREVER.getDuration())
                .optRequestTimeout(java.time.temporal.ChronoUnit.FOREVER.getDuration()).build();
        sink.runStarted(Records.run(RUN));
        train(sink, 0, 5);

        sink.close(); // threw ArithmeticException (long overflow) and left the sender running

        assertThat(sink.stats().sent()).isEqualTo(6);
        assertThat(sink.flush(Duration.ZERO)).isTrue();
    }

    @Test
    void aBatchWhoseRejectedCheckpointsAreListedIsResentWithoutThemInOneRequest() throws Exception {
        service = new FakeService().start();
        service.listsRejected = true;
        service.invalidStep = step -> step == 3 || step == 13 || step == 20;
        try (HttpDriftSink sink = sink(service.url()).optMaxBatchSize(64).optScheduleDelay(Duration.ofMillis(500))
                .build()) {
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 30);
            assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();

            assertThat(sink.stats().rejected()).isEqualTo(3);
            assertThat(sink.stats().sent()).isEqualTo(1 + 27);
            assertThat(sink.lastProblem()).hasValueSatisfying(p -> assertThat(p).contains("400", "rejected"));
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(
                steps(0, 30).stream().filter(s -> s != 3 && s != 13 && s != 20).toList());
        // the refused batch and the batch without the three (not 30 one-by-one requests)
        assertThat(service.seen.stream().filter(r -> r.path().endsWith("/checkpoints")).count()).isLessThanOrEqualTo(3);
        List<String> rejected = Files.readAllLines(spoolDir.resolve(RUN + ".rejected.jsonl"));
        assertThat(rejected).extracting(l -> ((CheckpointReport) WireJson.fromLine(l)).step())
                .containsExactly(3L, 13L, 20L);
    }

    @Test
    void transientAnswersAreRetriedAndCounted() throws Exception {
        service = new FakeService().start();
        service.thenFail(FakeService.status(503).setHeader("Retry-After", "0"), FakeService.status(429));
        try (HttpDriftSink sink = sink(service.url()).build()) {
            sink.runStarted(Records.run(RUN));
            assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(sink.stats()).isEqualTo(new ShipStats(1, 2, 0, 0, 0, 0));
        }
    }

    @Test
    void aFillingQueueCutsALongBackoffShortAndSpools() throws Exception {
        service = new FakeService().start();
        for (int i = 0; i < 3; i++) {
            service.thenFail(FakeService.status(503).setHeader("Retry-After", "20"));
        }
        try (HttpDriftSink sink = sink(service.url()).optRetryPolicy(RetryPolicy.defaults()).optQueueCapacity(16)
                .optMaxBatchSize(4).build()) {
            sink.runStarted(Records.run(RUN));
            await().atMost(5, TimeUnit.SECONDS).until(() -> service.seen.size() == 1);
            train(sink, 0, 40);

            // waiting out Retry-After would take 20 s; half a queue of records makes the sender spool instead
            await().atMost(10, TimeUnit.SECONDS).until(() -> sink.flush(Duration.ofMillis(500)));
            assertThat(sink.stats().spooled()).isPositive();
        }
        assertThat(service.acceptedSteps).containsExactlyInAnyOrderElementsOf(steps(0, 40));
    }

    @Test
    void closeIsIdempotentAndLaterRecordsGoToTheSpool() throws Exception {
        service = new FakeService().start();
        HttpDriftSink sink = sink(service.url()).build();
        sink.runStarted(Records.run(RUN));
        sink.close();
        sink.close();
        sink.checkpoint(Records.checkpoint(RUN, 7));

        assertThat(sink.stats().sent()).isEqualTo(1);
        assertThat(sink.stats().spooled()).isEqualTo(1);
        assertThat(Files.readAllLines(spoolDir.resolve(RUN + ".jsonl"))).hasSize(2);
    }

    @Test
    void aServiceThatStopsAnsweringDoesNotHoldUpClose() throws Exception {
        service = new FakeService().start();
        for (int i = 0; i < 50; i++) {
            service.thenFail(FakeService.status(503).setHeader("Retry-After", "60"));
        }
        HttpDriftSink sink = sink(service.url()).optRetryPolicy(RetryPolicy.defaults())
                .optFlushTimeout(Duration.ofMillis(500)).build();
        sink.runStarted(Records.run(RUN));
        train(sink, 0, 5);

        long start = System.nanoTime();
        sink.close();
        long closeNanos = System.nanoTime() - start;

        // bounded by the flush timeout plus the shutdown grace, never by Retry-After's minute
        assertThat(Duration.ofNanos(closeNanos)).isLessThan(Duration.ofSeconds(30));
        assertThat(sink.stats().spooled()).isEqualTo(6);
        assertThat(Files.readAllLines(spoolDir.resolve(RUN + ".jsonl"))).hasSize(6);
    }

    @Test
    void anInterruptedTrainingThreadStillHasEveryRecordSpooledAtClose() throws Exception {
        service = new FakeService().start();
        for (int i = 0; i < 50; i++) {
            service.thenFail(FakeService.status(503).setHeader("Retry-After", "60"));
        }
        HttpDriftSink sink = sink(service.url()).optRetryPolicy(RetryPolicy.defaults())
                .optFlushTimeout(Duration.ofMillis(300)).build();
        sink.runStarted(Records.run(RUN));
        train(sink, 0, 5);
        sink.runFinished(Records.end(RUN));
        // a job cancelled with Future.cancel(true): the thread that closes the sink is interrupted
        Thread.currentThread().interrupt();
        try {
            sink.close();
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
        } finally {
            Thread.interrupted();
        }
        // everything is in the spool when close returns, as the summary line says
        assertThat(sink.stats().spooled()).isEqualTo(7);
        assertThat(Files.readAllLines(spoolDir.resolve(RUN + ".jsonl"))).hasSize(7);
    }

    @Test
    void aFileSinkWritesOnAnInterruptedThreadAndSaysWhenItWasClosed() throws Exception {
        Path file = spoolDir.resolve("offline").resolve("drift.jsonl");
        dev.driftwatch.plugin.sink.JsonLinesFileSink jsonl = new dev.driftwatch.plugin.sink.JsonLinesFileSink(file);
        Thread.currentThread().interrupt();
        try {
            // a channel-based writer is closed by the interrupt: the rest of the run was dropped
            jsonl.runStarted(Records.run(RUN));
            jsonl.checkpoint(Records.checkpoint(RUN, 0));
            jsonl.runFinished(Records.end(RUN));
        } finally {
            Thread.interrupted();
        }
        assertThat(jsonl.flush(Duration.ZERO)).isTrue();
        jsonl.close();
        jsonl.checkpoint(Records.checkpoint(RUN, 1)); // after close: dropped, with a warning
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).contains("\"step\":0");
    }

    /**
     * A write of the file sink that fails once (its directory not there to be made, a moment; a full disk that
     * clears): it used to turn the sink off for the rest of the run. Now that record alone is lost, counted, and
     * the next ones are written.
     */
    @Test
    void aFileSinkLosesOnlyTheRecordWhoseWriteFailed() throws Exception {
        Path blocker = spoolDir.resolve("offline");
        Files.writeString(blocker, "a file where the directory should be");
        Path file = blocker.resolve("drift.jsonl");
        dev.driftwatch.plugin.sink.JsonLinesFileSink jsonl = new dev.driftwatch.plugin.sink.JsonLinesFileSink(file);
        jsonl.runStarted(Records.run(RUN)); // fails: its directory cannot be made
        assertThat(jsonl.dropped()).isEqualTo(1);
        Files.delete(blocker);
        for (long step = 0; step < 3; step++) {
            jsonl.checkpoint(Records.checkpoint(RUN, step));
        }
        jsonl.runFinished(Records.end(RUN));
        assertThat(jsonl.flush(Duration.ZERO)).as("one record was lost").isFalse();
        jsonl.close();
        assertThat(jsonl.dropped()).isEqualTo(1);
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).contains("\"step\":0");
        assertThat(lines.get(3)).contains("\"status\"");
    }

    /**
     * A flush that does not wait, asked while the sender is sending a batch the service has not answered yet (an
     * audit's finding: the batch out of the queue counted as delivered, so the flush said true, and close then
     * waited its whole flush timeout): it says false, and close spools that batch without waiting.
     */
    @Test
    void aZeroFlushDuringASendSaysNotDeliveredAndCloseDoesNotWait() throws Exception {
        service = new FakeService().start();
        service.gate = new java.util.concurrent.CountDownLatch(1); // every request waits (at most 30 s)
        try {
            HttpDriftSink sink = sink(service.url()).optFlushTimeout(Duration.ofSeconds(20)).build();
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 3);
            // the sender is sending (the run's record, which waits at the gate)
            await().atMost(10, TimeUnit.SECONDS).until(() -> service.server.getRequestCount() > 0);
            assertThat(sink.flush(Duration.ZERO)).isFalse();
            long t0 = System.nanoTime();
            sink.close();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
        } finally {
            service.gate.countDown();
        }
        assertThat(Files.readAllLines(spoolDir.resolve(RUN + Spool.EXTENSION))).hasSize(4);
    }

    @Test
    void aZeroFlushTimeoutSpoolsAtOnceAndNeverWaits() throws Exception {
        service = new FakeService().start();
        for (int i = 0; i < 50; i++) {
            service.thenFail(FakeService.status(503).setHeader("Retry-After", "60"));
        }
        HttpDriftSink sink = sink(service.url()).optRetryPolicy(RetryPolicy.defaults())
                .optFlushTimeout(Duration.ZERO).build();
        sink.runStarted(Records.run(RUN));
        train(sink, 0, 5);
        sink.runFinished(Records.end(RUN));

        long start = System.nanoTime();
        boolean delivered = sink.flush(Duration.ZERO);
        sink.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(delivered).isFalse();
        // no wait for delivery (the default would wait 10 s, Retry-After asks for 60 s): only the
        // sender's stop, its request cut short, and the spool write
        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(sink.stats().spooled()).isEqualTo(7);
        assertThat(Files.readAllLines(spoolDir.resolve(RUN + ".jsonl"))).hasSize(7);
    }

    @Test
    void aRunTheServiceRefusesIsSetAsideWithEverythingOfItAndOtherRunsFlow() throws Exception {
        service = new FakeService().start();
        service.invalidRun = "refused"::equals;
        try (HttpDriftSink sink = sink(service.url()).build()) {
            sink.runStarted(Records.run("refused"));
            for (long step = 0; step < 10; step++) {
                sink.checkpoint(Records.checkpoint("refused", step));
            }
            sink.runFinished(Records.end("refused"));
            sink.runStarted(Records.run(RUN));
            train(sink, 0, 10);

            // the refused run's record, checkpoints and end are set aside; nothing waits in the spool
            assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(sink.stats().rejected()).isEqualTo(12);
            assertThat(sink.stats().sent()).isEqualTo(11);
        }
        assertThat(service.acceptedSteps).containsExactlyElementsOf(steps(0, 10));
        assertThat(Files.readAllLines(spoolDir.resolve("refused.rejected.jsonl"))).hasSize(12);
        assertThat(spoolContents()).extracting(p -> p.getFileName().toString())
                .containsExactly("refused.rejected.jsonl");
    }

    @Test
    void aSpoolLineWithoutARunKeyIsSetAsideAndTheSenderGoesOn() throws Exception {
        earlierJobSpooled(6);
        Path file = spoolDir.resolve(RUN + ".jsonl");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file));
        String keyless = lines.get(3).replace("\"runKey\":\"" + RUN + "\",", "");
        assertThat(keyless).doesNotContain("runKey");
        lines.set(3, keyless); // a hand edit: step 2 has lost its run key
        Files.write(file, lines);
        try (HttpDriftSink resumed = sink(service.url()).build()) {
            train(resumed, 6, 8);
            await().atMost(10, TimeUnit.SECONDS).until(() -> service.acceptedSteps.size() == 7);
            assertThat(resumed.stats().rejected()).isEqualTo(1);
        }
        assertThat(service.acceptedSteps).containsExactlyElementsOf(List.of(0L, 1L, 3L, 4L, 5L, 6L, 7L));
        assertThat(Files.readAllLines(spoolDir.resolve(RUN + ".rejected.jsonl"))).containsExactly(keyless);
    }

    /**
     * A spool file with 40 MiB of zeros where a record should be (what a power loss can leave at a file's end), a
     * later job's records after it: the zeros are read without being kept whole (a line longer than any record),
     * set aside with their first 64 KiB, and the records on both sides arrive. Before, the reader buffered the
     * whole region as one line, on every replay.
     */
    @Test
    void aRegionOfZerosLongerThanAnyRecordIsSetAsideAndTheRecordsAroundItArrive() throws Exception {
        earlierJobSpooled(3);
        Path file = spoolDir.resolve(RUN + ".jsonl");
        try (java.io.OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            out.write(new byte[40 << 20]);
        }
        new Spool(spoolDir).append(RUN, null, List.of(WireJson.toLine(Records.checkpoint(RUN, 3))));
        try (HttpDriftSink resumed = sink(service.url()).build()) {
            train(resumed, 4, 6);
            await().atMost(20, TimeUnit.SECONDS).until(() -> service.acceptedSteps.size() == 6);
            assertThat(resumed.stats().rejected()).isEqualTo(1);
        }
        assertThat(service.acceptedSteps).containsExactlyElementsOf(steps(0, 6));
        List<String> rejected = Files.readAllLines(spoolDir.resolve(RUN + ".rejected.jsonl"));
        assertThat(rejected).hasSize(1);
        assertThat(rejected.get(0)).hasSize(1 << 16).matches("\\x00+");
    }

    @Test
    void aRunRefusedForGoodDoesNotKeepTheSinkOfflineAfterAnOutage() throws Exception {
        int port;
        try (ReservedPort down = new ReservedPort()) {
            HttpDriftSink first = sink(down.url()).build();
            first.runStarted(Records.run("other-project"));
            first.checkpoint(Records.checkpoint("other-project", 0));
            first.close();
            port = down.port();
            service = new FakeService().start(port);
        }
        service.forbiddenRun = "other-project"::equals; // its spool file is the oldest, and stays
        try (HttpDriftSink sink = sink(service.url()).build()) {
            sink.runStarted(Records.run(RUN));
            await().atMost(10, TimeUnit.SECONDS).until(() -> service.acceptedRuns.contains(RUN));
            service.close(); // an outage: the sink goes offline and spools
            train(sink, 0, 10);
            await().atMost(10, TimeUnit.SECONDS).until(() -> sink.stats().spooled() == 10);
            service = new FakeService().start(port);
            service.forbiddenRun = "other-project"::equals;
            // offline, the sink probes the spool's oldest file: the refused run's must not stand for the service
            await().atMost(20, TimeUnit.SECONDS).until(() -> service.acceptedSteps.size() == 10);
        }
        assertThat(service.acceptedSteps).containsExactlyElementsOf(steps(0, 10));
    }

    @Test
    void aTokenReadFromAFileWorksAndAUrlWithoutAHostIsRefusedAtBuild() throws Exception {
        service = new FakeService().start();
        try (HttpDriftSink sink = sink(service.url()).setToken("dw_secret\n").build()) {
            sink.runStarted(Records.run(RUN));
            assertThat(sink.flush(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(service.seen.get(0).headers().get("Authorization")).isEqualTo("Bearer dw_secret");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sink("http:/localhost:8080").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no host");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sink(service.url()).setToken("dw_a b").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token");
    }
}
