package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.WireJson;
import dev.driftwatch.contract.WireRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender thread's logic: ships batches of records in order, spools what cannot be delivered
 * now, and replays the spool, in file order, whenever the service answers. Used by one thread only.
 *
 * <p>Order within a run is kept: once a run has records in the spool, its new records are appended
 * behind them rather than sent ahead of them.
 */
final class Shipper {

    private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);

    private final IngestionClient client;
    private final IngestionClient probeClient;
    private final Spool spool;
    private final ShipCounters counters;
    private final Map<String, RunInfo> runs;
    private final int maxBatch;
    private final long probeIntervalNanos;
    private final LongSupplier nanoClock;

    /** False after the retry loop gave up; then records are spooled and the service is probed. */
    private boolean online = true;
    /** Whether the last probe's request got an answer from the service (its own fault), not none. */
    private boolean probeAnswered;
    private long nextProbe;
    /** Runs the service refused (401, 403, ...): this process sends them no more. */
    private final Set<String> blocked = new HashSet<>();
    /** Runs whose run record the service refused for its content, with the problem. */
    private final Map<String, String> refusedRuns = new java.util.HashMap<>();
    /** Runs whose refused records were already logged once. */
    private final Set<String> rejectionLogged = new HashSet<>();
    private String lastProblem;
    private boolean spoolFailureLogged;
    /** Where the spooled batch that last went unanswered starts ({@code file@offset}), see {@link #keepsFailing}. */
    private String stuckAt;
    /** How many times in a row it went unanswered while the service took its run's record. */
    private int strikes;
    /** The times in a row a spooled batch goes unanswered, its run's record taken, before it is sent one by one. */
    static final int STRIKES = 3;
    /** The most requests one round of {@link #replay} sends (of {@code maxBatch} records each, at most). */
    static final int REPLAY_REQUESTS_PER_ROUND = 16;
    /** Requests the current round of {@link #replay} may still send. */
    private int replayBudget = REPLAY_REQUESTS_PER_ROUND;

    /**
     * Creates the sender logic.
     *
     * @param client the client with the full retry loop
     * @param probeClient the same client with a single attempt, to probe an unreachable service
     * @param spool the spool
     * @param counters the counters to update
     * @param runs the runs announced so far, by key (shared with the training thread)
     * @param maxBatch the most checkpoints per request
     * @param probeInterval how often an unreachable service is probed
     * @param nanoClock {@link System#nanoTime} or a test clock
     */
    Shipper(IngestionClient client, IngestionClient probeClient, Spool spool, ShipCounters counters,
            Map<String, RunInfo> runs, int maxBatch, Duration probeInterval, LongSupplier nanoClock) {
        this.client = client;
        this.probeClient = probeClient;
        this.spool = spool;
        this.counters = counters;
        this.runs = runs;
        this.maxBatch = maxBatch;
        this.probeIntervalNanos = probeInterval.toNanos();
        this.nanoClock = nanoClock;
    }

    /**
     * Returns the last refusal or outage the sender logged, for the user.
     *
     * @return e.g. {@code 403 Forbidden: token of another project}, or null
     */
    String lastProblem() {
        return lastProblem;
    }

    /**
     * Ships records that came through the queue, in order.
     *
     * @param records runs, checkpoints and run ends
     */
    void export(List<WireRecord> records) {
        for (Group group : Group.of(records, maxBatch)) {
            if (!online || blocked.contains(group.runKey) || spoolHasPending(group.runKey)) {
                spoolGroup(group);
                continue;
            }
            Outcome outcome = send(client, group);
            if (outcome instanceof Outcome.Delivered) {
                counters.sent.addAndGet(group.records.size());
            } else if (outcome instanceof Outcome.Unreachable u) {
                goOffline(u.reason());
                spoolGroup(group);
            } else {
                Outcome.Rejected r = (Outcome.Rejected) outcome;
                if (r.aboutContent()) {
                    sendSingly(group, r, null);
                } else {
                    block(group.runKey, r);
                    spoolGroup(group);
                }
            }
        }
    }

    /**
     * Replays the spool if the service is reachable, at most {@link #REPLAY_REQUESTS_PER_ROUND} requests at a
     * time (so that a large backlog never holds up the records that arrive meanwhile: the caller exports those
     * between rounds); when it is not reachable, probes it once the probe interval has passed (or at once when
     * {@code now} is true).
     *
     * @param now probe an unreachable service now (a flush is waiting)
     * @return true when the round stopped with spool left to replay and the service answering: the caller comes
     *     back at once rather than after its schedule's delay
     */
    boolean replay(boolean now) {
        List<Path> files;
        try {
            files = spool.pendingFiles();
        } catch (IOException e) {
            LOG.warn("driftwatch: cannot read the spool directory {}: {}", spool.dir(), e.toString());
            return false;
        }
        replayBudget = REPLAY_REQUESTS_PER_ROUND;
        for (Path file : files) {
            if (blocked.contains(runKeyOf(file))) {
                continue; // (refused for this process: replaying it proves nothing about the service)
            }
            if (replayBudget <= 0) {
                return online;
            }
            if (!online) {
                if (!now && nanoClock.getAsLong() < nextProbe) {
                    return false;
                }
                probeAnswered = false;
                if (!replayFile(file, probeClient, 1) && !probeAnswered) {
                    nextProbe = nanoClock.getAsLong() + probeIntervalNanos;
                    return false;
                }
                // it answered (perhaps with its own fault for the oldest record: the replay's retries tell a
                // record it keeps failing on, which is set aside, from a service failing on everything)
                online = true;
                LOG.info("driftwatch: the service answers again; replaying the spool in {}", spool.dir());
            }
            replayFile(file, client, Math.max(1, replayBudget));
            if (!online) {
                return false;
            }
        }
        return online && replayBudget <= 0;
    }

    /**
     * Tells whether everything handed over has been delivered or given up on for good.
     *
     * @return true when no spool file waits for replay
     */
    boolean nothingPending() {
        try {
            return spool.pendingFiles().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Spools records without trying to send them (used when the sink shuts down).
     *
     * @param records the records
     */
    void spoolAll(List<WireRecord> records) {
        for (Group group : Group.of(records, maxBatch)) {
            spoolGroup(group);
        }
    }

    /**
     * Replays one spool file from its confirmed offset.
     *
     * @return false when the replay stopped before the end (service unreachable or run refused)
     */
    private boolean replayFile(Path file, IngestionClient via, int maxRequests) {
        int requests = 0;
        while (requests < maxRequests) {
            List<Spool.Line> lines;
            try {
                lines = spool.readPending(file, maxBatch);
            } catch (IOException e) {
                LOG.warn("driftwatch: cannot read spool file {}: {}", file, e.toString());
                return false;
            }
            if (lines.isEmpty()) {
                return true;
            }
            List<WireRecord> records = new ArrayList<>(lines.size());
            List<Spool.Line> read = new ArrayList<>(lines.size());
            for (Spool.Line line : lines) {
                try {
                    if (line.cut()) {
                        throw new IllegalArgumentException("a line of " + line.length() + " bytes, longer than any "
                                + "record (" + (Spool.MAX_LINE_BYTES >> 20) + " MiB); its first 65,536 characters "
                                + "are kept");
                    }
                    WireRecord record = WireJson.fromLine(line.text());
                    if (record.runKey() == null || record.runKey().isEmpty()) {
                        throw new IllegalArgumentException("no runKey");
                    }
                    records.add(record);
                    read.add(line);
                } catch (RuntimeException e) {
                    // a line torn by a crash or edited by hand: set it aside (once it heads the chunk)
                    // and keep the rest flowing
                    if (records.isEmpty()) {
                        String text = line.cut() ? start(line.text(), 1 << 16) : line.text();
                        reject(runKeyOf(file), List.of(text), "unreadable spool line: " + e.getMessage());
                        if (!confirm(file, line)) {
                            return false;
                        }
                    }
                    break;
                }
            }
            int index = 0;
            for (Group group : Group.of(records, maxBatch)) {
                Spool.Line end = read.get(index + group.records.size() - 1);
                index += group.records.size();
                if (blocked.contains(group.runKey)) {
                    return false;
                }
                Outcome outcome = send(via, group);
                requests++;
                replayBudget--;
                if (group.kind == Kind.RUN && !(outcome instanceof Outcome.Unreachable)) {
                    // a run another job spooled (its file's first line): known here from now on, to create
                    // it again after a 404 and to tell a checkpoint the service fails on from a failing service
                    runs.putIfAbsent(group.runKey, (RunInfo) group.records.get(0));
                }
                if (outcome instanceof Outcome.Delivered) {
                    counters.replayed.addAndGet(group.records.size());
                } else if (outcome instanceof Outcome.Unreachable u) {
                    int first = index - group.records.size();
                    int settled = "interrupted".equals(u.reason()) ? 0 : keepsFailing(file, read.get(first), group);
                    if (settled < group.records.size()) {
                        if (settled > 0) {
                            confirm(file, read.get(first + settled - 1));
                        }
                        if (via == client) {
                            goOffline(u.reason());
                        } else {
                            probeAnswered = u.answered();
                        }
                        return false;
                    }
                    // every record of the batch delivered or set aside, one by one: the file goes on
                } else {
                    Outcome.Rejected r = (Outcome.Rejected) outcome;
                    if (!r.aboutContent()) {
                        block(group.runKey, r);
                        return false;
                    }
                    int settled = sendSingly(group, r, via);
                    if (settled < group.records.size()) {
                        // stopped partway: what it delivered or set aside first is not replayed again (before,
                        // every probe sent those records anew until the service came back)
                        if (settled > 0) {
                            confirm(file, read.get(index - group.records.size() + settled - 1));
                        }
                        return false;
                    }
                }
                if (!confirm(file, end)) {
                    return false;
                }
                if (requests >= maxRequests) {
                    return true;
                }
            }
        }
        return true;
    }

    /**
     * A spooled batch that went unanswered (502, 504, a timeout, a reset: what an outage looks like) while the
     * service takes its run's own record: counted, by where it starts in its file; at the {@link #STRIKES}th
     * time in a row its records are sent one by one, each with the whole retry loop, and one that still goes
     * unanswered while the run's record is taken is set aside (a record that trips a proxy's limit or times the
     * service out: it used to head the spool for good, every probe sending it again and failing, so nothing
     * behind it, in this job or any later one on the same spool, was ever delivered).
     *
     * @param file the spool file
     * @param firstLine the batch's first line in it
     * @param group the batch
     * @return how many of the batch's records, from its first, were delivered or set aside: all of them, or fewer
     *     (none until the batch has failed {@link #STRIKES} times; fewer when the service stopped answering
     *     meanwhile, or refused the run)
     */
    private int keepsFailing(Path file, Spool.Line firstLine, Group group) {
        String at = file + "@" + firstLine.endOffset();
        if (!at.equals(stuckAt)) {
            stuckAt = at;
            strikes = 0;
        }
        if (!runAnswers(group.runKey, probeClient) || ++strikes < STRIKES) {
            return 0; // an outage, as far as anyone can tell; or not yet often enough
        }
        stuckAt = null;
        strikes = 0;
        LOG.warn("driftwatch: a spooled batch of run {} went unanswered {} times in a row while the service took the "
                + "run's own record; sending its {} record(s) one by one", group.runKey, STRIKES, group.records.size());
        int settled = 0;
        for (WireRecord record : group.records) {
            Group one = new Group(group.runKey, group.kind, List.of(record));
            Outcome outcome = send(client, one);
            if (outcome instanceof Outcome.Delivered) {
                counters.replayed.incrementAndGet();
            } else if (outcome instanceof Outcome.Rejected r && r.aboutContent()) {
                reject(group.runKey, lines(one.records), r.problem());
            } else if (outcome instanceof Outcome.Unreachable u && runAnswers(group.runKey, probeClient)) {
                reject(group.runKey, lines(one.records), "no answer for this record alone, through a whole retry loop,"
                        + " while the service took its run's record (" + u.reason() + ")");
            } else {
                return settled; // the run refused, or the service gone meanwhile
            }
            settled++;
        }
        return settled;
    }

    /**
     * After a batch was refused for its content, sets the invalid records aside (dead-letter file,
     * counter, one log line per run) and delivers the others: when the service listed the rejected
     * checkpoints, at once and in one request per round; otherwise by sending the records one by one.
     *
     * @param via the client for a replay, or null for live records (then counted as sent)
     * @return how many of the group's records, from its first, were delivered or set aside: all of them, or fewer
     *     when the service became unreachable meanwhile (the rest is then spooled or left)
     */
    private int sendSingly(Group group, Outcome.Rejected first, IngestionClient via) {
        int all = group.records.size();
        Group left = group;
        Outcome.Rejected refusal = first;
        // each round removes at least one record, so this ends
        while (left.records.size() > 1 && isListed(refusal, left)) {
            List<WireRecord> bad = new ArrayList<>();
            List<WireRecord> rest = new ArrayList<>();
            for (int i = 0; i < left.records.size(); i++) {
                (refusal.rejectedIndices().contains(i) ? bad : rest).add(left.records.get(i));
            }
            reject(left.runKey, lines(bad), refusal.problem());
            if (rest.isEmpty()) {
                return all;
            }
            left = new Group(left.runKey, left.kind, rest);
            Outcome outcome = send(via == null ? client : via, left);
            if (outcome instanceof Outcome.Delivered) {
                (via == null ? counters.sent : counters.replayed).addAndGet(rest.size());
                return all;
            }
            if (!(outcome instanceof Outcome.Rejected r && r.aboutContent())) {
                stopSending(left, 0, outcome, via);
                return 0; // (those set aside are not all first in the group)
            }
            refusal = r;
        }
        if (left.records.size() == 1 && !IngestionClient.isServerFault(refusal.status())) {
            reject(left.runKey, lines(left.records), refusal.problem());
            return all;
        }
        if (left.kind != Kind.CHECKPOINTS && IngestionClient.isServerFault(refusal.status())) {
            // a run's record or its end the service keeps failing on: nothing to tell it by; that run is kept
            // in the spool (for a later job, or the upload tool) and the other runs flow on
            stopSending(left, 0, refusal, via);
            return 0;
        }
        // records of the group from its first, delivered or set aside, while left is the whole group
        boolean whole = left == group;
        int firstFailedOn = -1;
        // records the service failed on (a lasting 500): set aside only once the service has shown that it
        // works, so that a service failing on everything keeps every record (in the spool) instead
        List<WireRecord> failedOn = new ArrayList<>();
        Outcome.Rejected fault = null;
        boolean works = false;
        for (int i = 0; i < left.records.size(); i++) {
            Group one = new Group(left.runKey, left.kind, List.of(left.records.get(i)));
            Outcome outcome = left.records.size() == 1 ? refusal : send(via == null ? client : via, one);
            if (outcome instanceof Outcome.Delivered) {
                (via == null ? counters.sent : counters.replayed).incrementAndGet();
                works = true;
            } else if (outcome instanceof Outcome.Rejected r && r.aboutContent()) {
                if (IngestionClient.isServerFault(r.status())) {
                    // set aside once the service has shown it works; asked at the first such record, so
                    // that a service failing on everything costs one record's retries, not every record's
                    works = works || runAnswers(left.runKey, via == null ? client : via);
                    if (!works) {
                        if (via == null && !failedOn.isEmpty()) {
                            spoolGroup(new Group(left.runKey, left.kind, failedOn));
                        }
                        stopSending(left, i, new Outcome.Unreachable("the service fails on every request: "
                                + r.problem(), true), via);
                        return settledBefore(whole, i, firstFailedOn);
                    }
                    if (failedOn.isEmpty()) {
                        firstFailedOn = i;
                    }
                    failedOn.add(one.records.get(0));
                    fault = r;
                } else {
                    reject(left.runKey, lines(one.records), r.problem());
                    works = true;
                }
            } else {
                if (via == null && !failedOn.isEmpty()) {
                    spoolGroup(new Group(left.runKey, left.kind, failedOn));
                }
                stopSending(left, i, outcome, via);
                return settledBefore(whole, i, firstFailedOn);
            }
        }
        if (!failedOn.isEmpty()) {
            reject(left.runKey, lines(failedOn), fault.problem());
        }
        return all;
    }

    /**
     * How many records of a group, from its first, were settled when sending them one by one stopped at record
     * {@code stop}: those before it, up to the first one the service failed on ({@code firstFailedOn}, -1 for
     * none: not yet set aside); none when the records sent one by one were not the whole group.
     */
    private static int settledBefore(boolean whole, int stop, int firstFailedOn) {
        if (!whole) {
            return 0;
        }
        return firstFailedOn < 0 ? stop : firstFailedOn;
    }

    /** A text's first {@code chars} characters, one fewer where the last would split a surrogate pair. */
    private static String start(String text, int chars) {
        if (text.length() <= chars) {
            return text;
        }
        return text.substring(0, Character.isHighSurrogate(text.charAt(chars - 1)) ? chars - 1 : chars);
    }

    /**
     * Whether the service takes a run's own record now (an idempotent {@code PUT}): after a request it
     * failed on for the whole retry loop, this tells a record that trips the service from a service that
     * fails on everything.
     */
    private boolean runAnswers(String runKey, IngestionClient via) {
        RunInfo run = runs.get(runKey);
        if (run == null) {
            run = spool.runOf(runKey); // a run another job spooled, whose first line was replayed before
            if (run != null) {
                runs.putIfAbsent(runKey, run);
            }
        }
        return run != null && via.putRun(run) instanceof Outcome.Delivered;
    }

    /** Whether the service named which records of the group it refused (indices all inside it). */
    private static boolean isListed(Outcome.Rejected refusal, Group group) {
        List<Integer> listed = refusal.rejectedIndices();
        return group.kind == Kind.CHECKPOINTS && !listed.isEmpty()
                && listed.get(listed.size() - 1) < group.records.size();
    }

    /** The service became unreachable or refused the run while a refused batch was being split. */
    private void stopSending(Group group, int from, Outcome outcome, IngestionClient via) {
        if (outcome instanceof Outcome.Unreachable u) {
            if (via == probeClient) {
                probeAnswered = u.answered(); // (a probe split a batch: its single records' answers count)
            } else {
                goOffline(u.reason());
            }
        } else {
            block(group.runKey, (Outcome.Rejected) outcome);
        }
        if (via == null) {
            spoolGroup(new Group(group.runKey, group.kind, group.records.subList(from, group.records.size())));
        }
    }

    /** A refusal for what a record says (not the service's own fault, which may pass): the run's for good. */
    private static boolean refusesContent(Outcome.Rejected r) {
        return r.aboutContent() && !IngestionClient.isServerFault(r.status());
    }

    private Outcome send(IngestionClient via, Group group) {
        Outcome outcome = sendOnce(via, group);
        if (group.kind == Kind.RUN && outcome instanceof Outcome.Rejected r && refusesContent(r)) {
            refusedRuns.put(group.runKey, r.problem());
        }
        // 404 on checkpoints or finish: the run was never created there (e.g. the service lost it),
        // and we know the run, so create it and try once more.
        if (outcome instanceof Outcome.Rejected r && r.status() == 404 && group.kind != Kind.RUN) {
            RunInfo run = runs.get(group.runKey);
            Outcome created = run == null ? null : via.putRun(run);
            if (created instanceof Outcome.Delivered) {
                outcome = sendOnce(via, group);
            } else if (created instanceof Outcome.Unreachable u) {
                outcome = u; // the re-create did not get through: the records wait (not a refusal of the run)
            } else if (created instanceof Outcome.Rejected c && refusesContent(c)) {
                refusedRuns.put(group.runKey, c.problem());
            }
            String refused = refusedRuns.get(group.runKey);
            if (refused != null && !(outcome instanceof Outcome.Delivered)) {
                // the service refused the run itself for its content: what belongs to it cannot be stored
                // either, now or later, so it is set aside with the run's problem rather than kept for ever
                outcome = new Outcome.Rejected(400, "its run was refused: " + refused,
                        java.util.stream.IntStream.range(0, group.records.size()).boxed().toList());
            }
        }
        return outcome;
    }

    /**
     * Sends one group as its one request.
     *
     * @param via the client
     * @param group the group
     * @return how it ended
     */
    static Outcome sendOnce(IngestionClient via, Group group) {
        return switch (group.kind) {
            case RUN -> via.putRun((RunInfo) group.records.get(0));
            case CHECKPOINTS -> via.postCheckpoints(group.runKey,
                    group.records.stream().map(CheckpointReport.class::cast).toList());
            case END -> via.finish((RunEnd) group.records.get(0));
        };
    }

    private void goOffline(String reason) {
        if (online && !"interrupted".equals(reason)) { // interrupted: the sink is closing, not an outage
            lastProblem = "service unreachable: " + reason;
            LOG.warn("driftwatch: the service is unreachable ({}); spooling records to {} and replaying them when "
                    + "it answers again", reason, spool.dir());
        }
        online = false;
        nextProbe = nanoClock.getAsLong() + probeIntervalNanos;
    }

    private void block(String runKey, Outcome.Rejected r) {
        if (blocked.add(runKey)) {
            lastProblem = r.problem();
            String hint = r.status() == 401 ? " (check the API token)"
                    : r.status() == 403 ? " (the token belongs to another project)" : "";
            LOG.error("driftwatch: the service refused run {}: {}{}; its records stay in {} and are not sent again "
                    + "by this process (see docs/cli.md to upload them)", runKey, r.problem(), hint,
                    spool.fileFor(runKey));
        }
    }

    private void reject(String runKey, List<String> lines, String problem) {
        try {
            spool.appendRejected(runKey, lines);
            counters.rejected.addAndGet(lines.size());
        } catch (IOException e) {
            counters.dropped.addAndGet(lines.size());
        }
        lastProblem = problem;
        if (rejectionLogged.add(runKey)) {
            LOG.error("driftwatch: the service refused a record of run {}: {}; kept in {} (further refusals of this "
                    + "run are counted, not logged)", runKey, problem, spool.dir());
        }
    }

    /**
     * Confirms a spool file up to a line just delivered; false when that failed or the file no longer holds
     * the line (another job replayed it and wrote a new one: this replay stops, and the next reads the new
     * file from its own offset; what was delivered twice is counted by the service as duplicates).
     */
    private boolean confirm(Path file, Spool.Line last) {
        try {
            return spool.confirm(file, last);
        } catch (IOException e) {
            LOG.warn("driftwatch: cannot update spool offset of {}: {}", file, e.toString());
            return false;
        }
    }

    private boolean spoolHasPending(String runKey) {
        try {
            return spool.hasPending(spool.fileFor(runKey));
        } catch (IOException e) {
            return true; // cannot tell: keep the order safe
        }
    }

    private void spoolGroup(Group group) {
        RunInfo run = runs.get(group.runKey);
        try {
            spool.append(group.runKey, run == null ? null : WireJson.toLine(run), lines(group.records));
            counters.spooled.addAndGet(group.records.size());
        } catch (IOException | RuntimeException | Error e) {
            if (!dev.driftwatch.plugin.Failures.recoverable(e)) {
                throw (Error) e; // (every unrecoverable failure is an Error)
            }
            counters.dropped.addAndGet(group.records.size());
            if (!spoolFailureLogged) {
                spoolFailureLogged = true;
                LOG.error("driftwatch: cannot write the spool in {} ({}); records are being dropped", spool.dir(),
                        e.toString());
            }
        }
    }

    private static List<String> lines(List<WireRecord> records) {
        List<String> lines = new ArrayList<>(records.size());
        for (WireRecord r : records) {
            lines.add(WireJson.toLine(r));
        }
        return lines;
    }

    private static String runKeyOf(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - Spool.EXTENSION.length());
    }

    /** The kind of request a group of records becomes. */
    enum Kind { RUN, CHECKPOINTS, END }

    /**
     * Consecutive records of one run that go in one request.
     *
     * @param runKey the run
     * @param kind the request
     * @param records one run, one run end, or up to {@code maxBatch} checkpoints
     */
    record Group(String runKey, Kind kind, List<WireRecord> records) {

        /**
         * Splits records, in order, into request-sized groups.
         *
         * @param records the records
         * @param maxBatch the most checkpoints in one group
         * @return the groups
         */
        static List<Group> of(List<WireRecord> records, int maxBatch) {
            List<Group> groups = new ArrayList<>();
            Group open = null;
            for (WireRecord r : records) {
                if (r instanceof CheckpointReport c) {
                    if (open == null || !open.runKey.equals(c.runKey()) || open.records.size() >= maxBatch) {
                        open = new Group(c.runKey(), Kind.CHECKPOINTS, new ArrayList<>());
                        groups.add(open);
                    }
                    open.records.add(c);
                } else {
                    open = null;
                    if (r instanceof RunInfo run) {
                        groups.add(new Group(run.runKey(), Kind.RUN, List.of(run)));
                    } else if (r instanceof RunEnd end) {
                        groups.add(new Group(end.runKey(), Kind.END, List.of(end)));
                    }
                }
            }
            return groups;
        }
    }
}
