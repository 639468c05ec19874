package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.RunStatus;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.WireRecord;
import dev.driftwatch.plugin.report.DriftSink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DriftSink} that streams runs and checkpoints to the monitor service's ingestion API
 * ({@code docs/api/ingestion.md}).
 *
 * <p>The training thread only {@code offer}s a record into a bounded queue and returns; it never
 * waits on the network and never sees an exception. One daemon sender thread exports a batch when
 * {@code maxBatchSize} records are waiting (it looks every 20 ms) or {@code scheduleDelay} has
 * passed, one request at a time,
 * gzip-compressed with the bearer token. Transient failures are retried per the {@link RetryPolicy};
 * when the service stays unreachable, or the queue is full, records go to an append-only spool file
 * per run and are replayed, in order, when the service answers again, also by a later process using
 * the same spool directory (resumed training). {@code (runKey, step)} makes every retry and replay
 * idempotent on the service. A refusal (a 4xx other than 429) is logged once with the server's
 * problem detail: a record refused for its content is set aside in {@code <runKey>.rejected.jsonl} in
 * the spool directory and the others flow; a run refused as a whole (its token, 401 or 403) stays in
 * the spool and is not sent again by this process.
 *
 * <pre>
 * try (HttpDriftSink sink = HttpDriftSink.builder()   // DRIFTWATCH_URL, DRIFTWATCH_PROJECT, DRIFTWATCH_TOKEN
 *         .build()) {
 *     // hand the sink to the drift listener and train
 * } // close(): flushes for at most 10 s, leaves the rest in the spool, logs one summary line
 * </pre>
 *
 * <p>The URL, project and token default to the environment variables {@code DRIFTWATCH_URL},
 * {@code DRIFTWATCH_PROJECT} and {@code DRIFTWATCH_TOKEN}, the ones {@code driftwatch-upload}
 * ({@link UploadCli}) reads too; {@code setUrl}, {@code setProject} and {@code setToken} override them.
 */
public final class HttpDriftSink implements DriftSink {

    private static final Logger LOG = LoggerFactory.getLogger(HttpDriftSink.class);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    /** How often the sender looks for a full batch between scheduled exports. */
    private static final long POLL_NANOS = Duration.ofMillis(20).toNanos();
    /**
     * The most estimated JSON bytes ({@link WireSize}) the sender takes from the queue into one batch: a
     * request of about the largest the client sends whole ({@link IngestionClient#MAX_REQUEST_BYTES}).
     */
    private static final long BATCH_BYTES = IngestionClient.MAX_REQUEST_BYTES;
    /** A failed flush this recent makes close skip its own. */
    private static final long RECENT_FLUSH_NANOS = Duration.ofSeconds(1).toNanos();

    private final URI url;
    private final String project;
    private final Duration flushTimeout;
    private final int maxBatch;
    private final long scheduleDelayNanos;
    private final LongSupplier nanoClock;
    private final RecordQueue queue;
    /** The estimated bytes that make a batch: {@link #BATCH_BYTES}, or half the queue's bound when that is less. */
    private final long batchBytes;
    private final ConcurrentLinkedQueue<CompletableFuture<Boolean>> flushRequests = new ConcurrentLinkedQueue<>();
    /** While a flush waits: the time after which the sender starts no retry. */
    private volatile long flushCutoff = Long.MAX_VALUE;
    private final Map<String, RunInfo> runs = new ConcurrentHashMap<>();
    /** The longest of the builder's durations taken as given; a longer one is taken as this. */
    static final Duration MAX_WAIT = Duration.ofDays(30);

    private final ShipCounters counters = new ShipCounters();
    private final Spool spool;
    private final Shipper shipper;
    private final Thread worker;
    /** Spools what is queued when the JVM exits with the sink still open ({@link #spoolAtExit}). */
    private final Thread exitHook;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean overflowLogged = new AtomicBoolean();
    /** Failures of the sender's own logic so far (only the first is logged). */
    private final java.util.concurrent.atomic.AtomicInteger senderFailures = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean stopping;
    /** When the last flush ended undelivered ({@code nanoClock}), or {@link Long#MIN_VALUE}. */
    private volatile long lastFailedFlush = Long.MIN_VALUE;

    private HttpDriftSink(Builder b) {
        this.url = b.url;
        this.project = b.project;
        this.flushTimeout = b.flushTimeout;
        this.maxBatch = b.maxBatchSize;
        this.scheduleDelayNanos = b.scheduleDelay.toNanos();
        this.nanoClock = b.nanoClock;
        this.queue = new RecordQueue(b.queueCapacity, b.queueBytes);
        // a batch's bytes, or half a smaller queue's: a queue that cannot hold a whole batch still exports early
        this.batchBytes = Math.min(BATCH_BYTES, Math.max(1, b.queueBytes / 2));
        this.spool = new Spool(b.spoolDir != null ? b.spoolDir : defaultSpoolDir(b.project));
        HttpClient given = b.httpClient;
        Supplier<HttpClient> http = given != null ? () -> given : IngestionClient.lazy(b.connectTimeout);
        Sleeper sleeper = b.sleeper != null ? b.sleeper : this::sleepUnlessHurried;
        IngestionClient client = new IngestionClient(http, b.url, b.project, b.token, b.requestTimeout,
                b.retryPolicy, b.nanoClock, sleeper, b.jitter, counters, this::retryCutoff);
        this.shipper = new Shipper(client, client.withPolicy(RetryPolicy.none()), spool, counters, runs, maxBatch,
                b.probeInterval, b.nanoClock);
        this.worker = new Thread(this::work, "driftwatch-sender");
        this.worker.setDaemon(true);
        this.worker.start();
        this.exitHook = new Thread(this::spoolAtExit, "driftwatch-sender-exit");
        try {
            Runtime.getRuntime().addShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // built while the JVM shuts down: nothing to hook
        }
    }

    /**
     * When the sender must stop retrying: at a waiting flush's deadline, and at once when the queue
     * is half full, since records are safer in the spool than in a queue about to overflow onto the
     * training thread.
     */
    private long retryCutoff() {
        return queue.halfFull() ? Long.MIN_VALUE : flushCutoff;
    }

    /** Whether a retry loop should look at its cutoff now rather than after its backoff. */
    private boolean hurry() {
        return flushCutoff != Long.MAX_VALUE || queue.halfFull();
    }

    /**
     * Starts a builder, with the URL, project and token taken from the environment variables
     * {@code DRIFTWATCH_URL}, {@code DRIFTWATCH_PROJECT} and {@code DRIFTWATCH_TOKEN} when they are set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder(System.getenv());
    }

    // Visible for testing
    static Builder builder(Map<String, String> environment) {
        return new Builder(environment);
    }

    /**
     * The default spool directory of a project: {@code ~/.driftwatch/spool/<project>}.
     *
     * @param project the project
     * @return the directory
     */
    public static Path defaultSpoolDir(String project) {
        return Path.of(System.getProperty("user.home"), ".driftwatch", "spool", project);
    }

    @Override
    public void runStarted(RunInfo run) {
        if (run != null) {
            runs.put(run.runKey(), run);
        }
        offer(run);
    }

    @Override
    public void checkpoint(CheckpointReport report) {
        offer(report);
    }

    @Override
    public void runFinished(RunEnd end) {
        offer(end);
    }

    /**
     * Returns the counters so far.
     *
     * @return a snapshot of sent, retried, spooled, replayed, rejected and dropped
     */
    public ShipStats stats() {
        return counters.snapshot();
    }

    /**
     * Returns the last refusal or outage the sink logged (e.g. a 401 with the server's detail).
     *
     * @return the problem, or empty when everything went through
     */
    public Optional<String> lastProblem() {
        return Optional.ofNullable(shipper.lastProblem());
    }

    /**
     * Returns the spool directory.
     *
     * @return the directory holding the spool files
     */
    public Path spoolDir() {
        return spool.dir();
    }

    /**
     * Waits at most {@code timeout} until the queue and the spool are delivered. A zero timeout never
     * waits: it answers whether everything is delivered already (and, when not, lets a following
     * {@link #close()} spool the rest at once).
     *
     * @param timeout the longest wait
     * @return true when everything handed over so far was delivered
     */
    @Override
    public boolean flush(Duration timeout) {
        if (!worker.isAlive() || timeout.isZero() || timeout.isNegative()) {
            boolean delivered = allDelivered();
            lastFailedFlush = delivered ? Long.MIN_VALUE : nanoClock.getAsLong();
            return delivered;
        }
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        long cutoff = nanoClock.getAsLong() + timeout.toNanos();
        flushRequests.add(done);
        flushCutoff = Math.min(flushCutoff, cutoff);
        LockSupport.unpark(worker); // also cuts a retry backoff short (sleepUnlessHurried)
        boolean delivered;
        try {
            delivered = done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            delivered = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            delivered = false;
        }
        lastFailedFlush = delivered ? Long.MIN_VALUE : nanoClock.getAsLong();
        return delivered;
    }

    /**
     * Flushes for at most the flush timeout (unless a flush failed within the last second), stops
     * the sender, leaves whatever is left in the spool and logs one summary line (with the upload
     * command when records remain). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs, and finds the sink closed
        }
        // an interrupted caller (a training job cancelled with Future.cancel(true)) still gets its records
        // delivered or spooled: the interrupt made the waits below return at once, and the summary came
        // before the sender had spooled the queue, which the JVM's exit then lost
        boolean interrupted = Thread.interrupted();
        try {
            // a flush that just failed (the listener flushes before it closes) is not waited for twice
            boolean justFailed = lastFailedFlush != Long.MIN_VALUE
                    && nanoClock.getAsLong() - lastFailedFlush < RECENT_FLUSH_NANOS;
            boolean delivered = !justFailed && flush(flushTimeout);
            stopping = true;
            LockSupport.unpark(worker);
            if (!delivered) {
                worker.interrupt(); // cut a request or a backoff short; what it carried goes to the spool
            }
            try {
                worker.join(SHUTDOWN_GRACE.toMillis());
            } catch (InterruptedException e) {
                interrupted = true;
            }
            logSummary();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The JVM exits with the sink open (a training job that never closed its trainer, or ended by an exception
     * outside a try-with-resources): what is queued, and the batch being sent, is spooled for the next job
     * rather than lost with the sender, a daemon thread; at most {@link #SHUTDOWN_GRACE}, without a flush.
     */
    private void spoolAtExit() {
        if (closed.get()) {
            return;
        }
        stopping = true;
        LockSupport.unpark(worker);
        worker.interrupt(); // cut a request or a backoff short; what it carried goes to the spool
        try {
            worker.join(SHUTDOWN_GRACE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether everything handed over so far was delivered: nothing queued, nothing waiting in the spool,
     * and nothing dropped (a spool that could not be written).
     */
    private boolean allDelivered() {
        return queue.size() == 0 && inFlight.get() == 0 && shipper.nothingPending() && counters.dropped.get() == 0;
    }

    /** Records the sender took from the queue and has not yet delivered, spooled or set aside. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    private void offer(WireRecord record) {
        if (record == null) {
            return;
        }
        try {
            int offered = closed.get() ? RecordQueue.FULL : queue.offer(record);
            if (offered == RecordQueue.FULL) {
                spoolFromCaller(record);
                return;
            }
            if (offered == RecordQueue.HALF_FULL) {
                // half a queue: a sender waiting out a backoff must spool instead. Full batches are
                // not signalled: waking the sender from here can hand it this thread's CPU (wake-up
                // preemption on a busy machine); it looks at the queue every few milliseconds instead.
                LockSupport.unpark(worker);
            }
        } catch (RuntimeException e) {
            // never into training: count it and say it once
            counters.dropped.incrementAndGet();
            if (overflowLogged.compareAndSet(false, true)) {
                LOG.error("driftwatch: cannot hand a record over: {}", e.toString());
            }
        }
    }

    /** The queue is full (or the sink closed): the record goes to the spool rather than being lost. */
    private void spoolFromCaller(WireRecord record) {
        if (overflowLogged.compareAndSet(false, true)) {
            LOG.warn("driftwatch: the send queue is full or closed; spooling records to {}", spool.dir());
        }
        if (spoolFailed && nanoClock.getAsLong() - spoolFailedAt < CALLER_SPOOL_PAUSE_NANOS) {
            counters.dropped.incrementAndGet(); // the spool just failed this thread: training does not wait again
            return;
        }
        String runKey = record.runKey();
        RunInfo run = runs.get(runKey);
        try {
            spool.append(runKey, run == null ? null : WireJson.toLine(run), List.of(WireJson.toLine(record)));
            counters.spooled.incrementAndGet();
        } catch (IOException e) {
            // a full disk, or a spool that stayed busy for Spool.LOCK_WAIT (a sender stuck in I/O on a hung file
            // system): the record is lost, and so are the training thread's next ones for a while, unwaited for
            spoolFailedAt = nanoClock.getAsLong();
            spoolFailed = true;
            counters.dropped.incrementAndGet();
            LOG.warn("driftwatch: cannot spool a record on the training thread ({}); records that find the queue full"
                    + " are dropped for the next {} s", e.toString(), CALLER_SPOOL_PAUSE_NANOS / 1_000_000_000L);
        }
    }

    /** Whether, and when, the training thread last failed to spool ({@link #spoolFromCaller}). */
    private volatile boolean spoolFailed;
    private volatile long spoolFailedAt;
    /** How long after such a failure the training thread drops records instead of waiting on the spool again. */
    private static final long CALLER_SPOOL_PAUSE_NANOS = 30_000_000_000L;


    private void work() {
        try {
            send();
        } finally {
            // shutting down, or (an error of a broken JVM, which goes on up) stopping: whatever was not delivered
            // stays in the spool, and no flush waits for a sender that is gone
            Thread.interrupted();
            try {
                List<WireRecord> rest = new ArrayList<>();
                queue.drainTo(rest, Integer.MAX_VALUE, Long.MAX_VALUE);
                shipper.spoolAll(rest);
            } finally {
                for (CompletableFuture<Boolean> f; (f = flushRequests.poll()) != null; ) {
                    f.complete(false);
                }
            }
        }
    }

    /** The sender's loop, until the sink closes. */
    private void send() {
        warmUp();
        replay(false);
        long nextExport = nanoClock.getAsLong() + scheduleDelayNanos;
        while (!stopping) {
            long wait = Math.min(nextExport - nanoClock.getAsLong(), POLL_NANOS);
            if (wait > 0 && !queue.holdsBatch(maxBatch, batchBytes) && flushRequests.isEmpty()) {
                LockSupport.parkNanos(this, wait);
            }
            Thread.interrupted(); // only close interrupts, to end a request; the loop condition sees it
            if (stopping) {
                break;
            }
            List<CompletableFuture<Boolean>> flushes = new ArrayList<>();
            for (CompletableFuture<Boolean> f; (f = flushRequests.poll()) != null; ) {
                flushes.add(f);
            }
            if (!flushes.isEmpty() || queue.holdsBatch(maxBatch, batchBytes) || nanoClock.getAsLong() >= nextExport) {
                exportQueue();
                boolean more = replay(!flushes.isEmpty());
                // a backlog left in the spool goes on at once, after the records that arrived meanwhile
                nextExport = nanoClock.getAsLong() + (more ? 0 : scheduleDelayNanos);
                if (more && !flushes.isEmpty()) {
                    flushes.forEach(flushRequests::add); // (answered once the backlog is through, or at their cutoff)
                    flushes.clear();
                }
            }
            if (!flushes.isEmpty()) {
                boolean done = allDelivered();
                flushCutoff = Long.MAX_VALUE;
                flushes.forEach(f -> f.complete(done));
            }
        }
    }

    private boolean replay(boolean now) {
        try {
            return shipper.replay(now);
        } catch (Throwable e) { // NOPMD: the sender goes on unless the JVM is broken
            senderFailed(e);
            return false;
        }
    }

    /**
     * A failure of the sender's own logic (a bug, or something no check foresaw), or an error it met (out of
     * memory while it built a batch, a class missing from a clashing library version): logged with its trace
     * the first time, counted after; the sender thread goes on, since records behind it must still flow. An
     * error of a broken JVM is thrown again (the sender then spools what is queued and stops).
     */
    private void senderFailed(Throwable e) {
        if (!dev.driftwatch.plugin.Failures.recoverable(e)) {
            throw (Error) e;
        }
        if (senderFailures.getAndIncrement() == 0) {
            LOG.error("driftwatch: the sender failed ({}); the batch is spooled and sending goes on (further "
                    + "failures are counted, not logged)", e.toString(), e);
        }
    }

    /**
     * Loads and exercises the JSON mapping on this thread before records arrive, so that the first
     * records (and a training thread that must spool one) do not pay for class loading.
     */
    private static void warmUp() {
        try {
            RunEnd probe = new RunEnd("warm-up", RunStatus.COMPLETED.wireName(), java.time.Instant.EPOCH);
            WireJson.fromLine(WireJson.toLine(probe));
        } catch (Throwable e) { // NOPMD: only a warm-up; the real records will say what is wrong
            if (!dev.driftwatch.plugin.Failures.recoverable(e)) {
                throw e;
            }
        }
    }

    private void exportQueue() {
        List<WireRecord> batch = new ArrayList<>(maxBatch);
        while (true) {
            // (counted before the queue lets them go: a flush that asks meanwhile never finds them nowhere)
            inFlight.set(maxBatch);
            if (queue.drainTo(batch, maxBatch, BATCH_BYTES) == 0) {
                inFlight.set(0);
                return;
            }
            try {
                shipper.export(batch);
            } catch (Throwable e) { // NOPMD: the sender goes on unless the JVM is broken
                try {
                    senderFailed(e);
                } finally {
                    shipper.spoolAll(batch); // (what the failure left unsent is kept; a record may be spooled twice)
                }
            } finally {
                inFlight.set(0);
            }
            batch.clear();
            if (stopping && Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    /**
     * The default sleeper: a backoff that a flush or a filling queue cuts short, so the retry loop
     * looks at its cutoff at once. (A backoff that began in a hurry was chosen within the cutoff and
     * runs its course.)
     */
    private void sleepUnlessHurried(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        boolean hurryAtStart = hurry();
        for (long left = d.toNanos(); left > 0 && (hurryAtStart || !hurry()); left = end - System.nanoTime()) {
            LockSupport.parkNanos(this, left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    private void logSummary() {
        ShipStats s = stats();
        List<Path> pending;
        try {
            pending = spool.pendingFiles();
        } catch (IOException e) {
            LOG.warn("driftwatch: shipping to {} (project {}) ended, but the spool directory {} could not be read ({}):"
                    + " records may be left in it: {}", url, project, spool.dir(), e.toString(), s);
            return;
        }
        if (pending.isEmpty()) {
            if (s.dropped() > 0) {
                LOG.warn("driftwatch: shipping to {} (project {}) done, but {} record(s) were lost: the spool {} could"
                        + " not be written while the service was out of reach: {}", url, project, s.dropped(),
                        spool.dir(), s);
            } else {
                LOG.info("driftwatch: shipping to {} (project {}) done: {}", url, project, s);
            }
            return;
        }
        long left = 0;
        StringBuilder files = new StringBuilder();
        java.util.Set<Path> own = new java.util.HashSet<>();
        runs.keySet().forEach(key -> own.add(spool.fileFor(key)));
        for (Path p : pending) {
            if (own.contains(p)) { // (other jobs' files, however large, are not read here)
                try {
                    left += spool.pendingLines(p);
                } catch (IOException e) {
                    // the count is only informative
                }
            }
            files.append(' ').append(p);
        }
        LOG.warn("driftwatch: shipping to {} (project {}) ended with {} record(s) of its runs left in the spool: {}; the next run "
                + "with this spool directory replays them, or upload them now with: java -cp <the training job's "
                + "classpath> dev.driftwatch.plugin.ship.UploadCli upload{} --url {} --project {} --token <token>",
                url, project, left, s, files, url, project);
    }

    /**
     * Builds an {@link HttpDriftSink}. {@code setX} options are required, {@code optX} ones have
     * defaults.
     */
    public static final class Builder {

        private URI url;
        private String project;
        private String token;
        private Path spoolDir;
        private int queueCapacity = 2048;
        private long queueBytes = 64L << 20;
        private int maxBatchSize = 64;
        private Duration scheduleDelay = Duration.ofSeconds(1);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration probeInterval = Duration.ofSeconds(5);
        private Duration flushTimeout = Duration.ofSeconds(10);
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private HttpClient httpClient;
        private LongSupplier nanoClock = System::nanoTime;
        private Sleeper sleeper;
        private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();

        /** {@code DRIFTWATCH_URL}, read when the builder starts and parsed by {@link #build()} unless a URL was set. */
        private final String envUrl;

        private Builder(Map<String, String> env) {
            this.envUrl = ServiceEnvironment.get(env, ServiceEnvironment.URL);
            this.project = ServiceEnvironment.get(env, ServiceEnvironment.PROJECT);
            this.token = ServiceEnvironment.get(env, ServiceEnvironment.TOKEN);
        }

        /**
         * Sets the service's base URL (required unless {@code DRIFTWATCH_URL} is set).
         *
         * @param url e.g. {@code http://localhost:8080}
         * @return this builder
         */
        public Builder setUrl(String url) {
            return setUrl(URI.create(url));
        }

        /**
         * Sets the service's base URL (required unless {@code DRIFTWATCH_URL} is set).
         *
         * @param url e.g. {@code http://localhost:8080}
         * @return this builder
         */
        public Builder setUrl(URI url) {
            this.url = url;
            return this;
        }

        /**
         * Sets the project the runs belong to (required unless {@code DRIFTWATCH_PROJECT} is set).
         *
         * @param project the project's key
         * @return this builder
         */
        public Builder setProject(String project) {
            this.project = project;
            return this;
        }

        /**
         * Sets the project's API token (required unless {@code DRIFTWATCH_TOKEN} is set).
         *
         * @param token the token, e.g. {@code dw_...}
         * @return this builder
         */
        public Builder setToken(String token) {
            this.token = token;
            return this;
        }

        /**
         * Sets the spool directory (default {@code ~/.driftwatch/spool/<project>}). A later run with
         * the same directory replays what an earlier one left.
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder optSpoolDir(Path dir) {
            this.spoolDir = dir;
            return this;
        }

        /**
         * Sets how many records may wait in memory (default 2048); beyond, they are spooled.
         *
         * @param capacity at least 1
         * @return this builder
         */
        public Builder optQueueCapacity(int capacity) {
            this.queueCapacity = capacity;
            return this;
        }

        /**
         * Sets how many bytes of records may wait in memory (default 64 MiB, as JSON, estimated from each record's
         * counts and texts); beyond, they are spooled, as beyond {@link #optQueueCapacity}. A checkpoint with
         * thousands of tensors is megabytes: without this bound, 2048 of them waiting for a service that is away
         * would take gigabytes of the training job's heap. A record larger than the whole bound is still queued
         * when nothing else waits.
         *
         * @param bytes at least 1
         * @return this builder
         */
        public Builder optQueueBytes(long bytes) {
            this.queueBytes = bytes;
            return this;
        }

        /**
         * Sets the most checkpoints per request (default 64, at most 1000).
         *
         * @param size between 1 and 1000
         * @return this builder
         */
        public Builder optMaxBatchSize(int size) {
            this.maxBatchSize = size;
            return this;
        }

        /**
         * Sets the longest time a record waits for its batch to fill (default 1 s).
         *
         * @param delay the delay
         * @return this builder
         */
        public Builder optScheduleDelay(Duration delay) {
            this.scheduleDelay = delay;
            return this;
        }

        /**
         * Sets the connect timeout (default 5 s).
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder optConnectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Sets the longest wait for one answer (default 10 s); a slower answer is a transient failure.
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder optRequestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * Sets how often an unreachable service is probed by replaying the spool (default 5 s).
         *
         * @param interval the interval
         * @return this builder
         */
        public Builder optProbeInterval(Duration interval) {
            this.probeInterval = interval;
            return this;
        }

        /**
         * Sets how long {@link #close()} waits for delivery (default 10 s); whatever is not delivered
         * by then is spooled. Zero never waits: close spools what is left at once.
         *
         * @param timeout the bound
         * @return this builder
         */
        public Builder optFlushTimeout(Duration timeout) {
            this.flushTimeout = timeout;
            return this;
        }

        /**
         * Sets the retry policy for transient failures (default {@link RetryPolicy#defaults()}).
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder optRetryPolicy(RetryPolicy policy) {
            this.retryPolicy = policy;
            return this;
        }

        /**
         * Sets the HTTP client (default: an HTTP/1.1 client with the connect timeout).
         *
         * @param client the client
         * @return this builder
         */
        public Builder optHttpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        // Visible for testing
        Builder clock(LongSupplier nanoClock) {
            this.nanoClock = nanoClock;
            return this;
        }

        // Visible for testing
        Builder sleeper(Sleeper sleeper) {
            this.sleeper = sleeper;
            return this;
        }

        // Visible for testing
        Builder jitter(DoubleSupplier jitter) {
            this.jitter = jitter;
            return this;
        }

        /**
         * Builds the sink and starts its sender thread.
         *
         * @return the sink
         * @throws IllegalArgumentException when a required option is missing or an option is out of range
         */
        public HttpDriftSink build() {
            if (url == null && envUrl != null) {
                try {
                    url = URI.create(envUrl);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("the environment variable " + ServiceEnvironment.URL
                            + " is not a URL: " + e.getMessage(), e);
                }
            }
            require(url != null, "url is required: setUrl(...) or the environment variable " + ServiceEnvironment.URL);
            require(url.getScheme() != null && url.getScheme().startsWith("http"), "url must be http(s): " + url);
            require(url.getHost() != null && !url.getHost().isEmpty(), "url has no host: " + url);
            require(project != null && !project.isBlank(),
                    "project is required: setProject(...) or the environment variable " + ServiceEnvironment.PROJECT);
            require(token != null && !token.isBlank(),
                    "token is required: setToken(...) or the environment variable " + ServiceEnvironment.TOKEN);
            token = token.strip(); // (a token read from a file ends with a line break)
            require(token.chars().allMatch(c -> c > 0x20 && c < 0x7f),
                    "token must be printable ASCII without spaces (it goes into an HTTP header)");
            require(queueCapacity >= 1, "queueCapacity must be >= 1");
            require(queueBytes >= 1, "queueBytes must be >= 1");
            require(maxBatchSize >= 1 && maxBatchSize <= 1000, "maxBatchSize must be in [1, 1000]");
            for (Duration d : List.of(scheduleDelay, connectTimeout, requestTimeout, probeInterval, flushTimeout)) {
                require(d != null && !d.isNegative(), "durations must be >= 0");
            }
            // longer waits (ChronoUnit.FOREVER's, say) are taken as 30 days: in nanoseconds they overflow
            scheduleDelay = atMost(scheduleDelay);
            connectTimeout = atMost(connectTimeout);
            requestTimeout = atMost(requestTimeout);
            probeInterval = atMost(probeInterval);
            flushTimeout = atMost(flushTimeout);
            Objects.requireNonNull(retryPolicy, "retryPolicy");
            return new HttpDriftSink(this);
        }

        private static Duration atMost(Duration d) {
            return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
