package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.monitor.flag.FlagService;
import dev.driftwatch.monitor.flag.LatestTaskLoss;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleFunction;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stores what the plugin uploads. Each method is one transaction: a batch is stored completely or
 * not at all, flags are recomputed and every {@link IngestListener} runs before it commits.
 */
@Service
public class IngestService {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final CheckpointWriter writer;
    private final FlagService flags;
    private final List<IngestListener> listeners;
    private final ApplicationEventPublisher events;

    IngestService(JdbcTemplate jdbc, CheckpointWriter writer, FlagService flags, List<IngestListener> listeners,
            ApplicationEventPublisher events) {
        this.events = events;
        this.jdbc = jdbc;
        this.writer = writer;
        this.flags = flags;
        this.listeners = listeners;
    }

    /**
     * The outcome of a run upsert.
     *
     * @param runId the run's id
     * @param created true when the run was new
     */
    public record RunUpsert(long runId, boolean created) {}

    /**
     * The outcome of a checkpoint upload.
     *
     * @param accepted checkpoints newly stored
     * @param duplicates checkpoints that were already stored (and left unchanged)
     * @param flags the run's flags after the upload
     */
    public record IngestResult(int accepted, int duplicates, List<String> flags) {}

    /**
     * Creates a run or updates its metadata (its status and checkpoints are kept). Without a start, a new run
     * starts at the time of receipt and a stored one keeps its start, so a retried PUT changes nothing.
     *
     * @param project the project
     * @param runKey the run key
     * @param run the metadata, with a null {@code startedAt} when the body had none
     * @return the run's id and whether it was created
     */
    @Transactional
    public RunUpsert upsertRun(Project project, String runKey, RunInfo run) {
        Timestamp started = timestamp(run.startedAt());
        RunUpsert result = jdbc.queryForObject("""
                INSERT INTO run (project_id, run_key, name, method, tags, base_fingerprint, probe_fingerprint,
                    total_parameters, trainable_parameters, temperature, config, started_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, COALESCE(?::timestamptz, now()))
                ON CONFLICT (project_id, run_key) DO UPDATE SET name = excluded.name, method = excluded.method,
                    tags = excluded.tags, base_fingerprint = excluded.base_fingerprint,
                    probe_fingerprint = excluded.probe_fingerprint, total_parameters = excluded.total_parameters,
                    trainable_parameters = excluded.trainable_parameters, temperature = excluded.temperature,
                    config = excluded.config, started_at = COALESCE(?::timestamptz, run.started_at),
                    updated_at = now()
                RETURNING id, (xmax = 0) AS created
                """, (rs, n) -> new RunUpsert(rs.getLong(1), rs.getBoolean(2)),
                project.getId(), runKey, run.name(), run.method(), run.tags().toArray(String[]::new), run.baseFingerprint(),
                run.probeFingerprint(), run.totalParameters(), run.trainableParameters(), run.temperature(),
                JSON.writeValueAsString(run.config()), started, started);
        // the trainable fraction or fingerprints may have changed
        flags.recompute(result.runId());
        return result;
    }

    /**
     * Stores a batch of checkpoints: new steps are inserted, stored steps are counted as duplicates
     * and left unchanged, in any order.
     *
     * @param project the project
     * @param runKey the run key
     * @param parse validates the body given the run's temperature (the checkpoints' default)
     * @return the counts and the run's flags
     * @throws ApiProblem 404 for an unknown run, 400/422 from the parser
     */
    @Transactional
    public IngestResult storeCheckpoints(Project project, String runKey, DoubleFunction<List<CheckpointReport>> parse) {
        // the row lock serialises uploads of one run, so the duplicate check below is exact
        List<LockedRun> locked = jdbc.query(
                "SELECT id, temperature FROM run WHERE project_id = ? AND run_key = ? FOR UPDATE",
                (rs, n) -> new LockedRun(rs.getLong(1), rs.getDouble(2)), project.getId(), runKey);
        if (locked.isEmpty()) {
            throw ApiProblem.notFound("run '" + runKey + "'");
        }
        long runId = locked.get(0).id();
        List<CheckpointReport> batch = parse.apply(locked.get(0).temperature());
        Set<Long> stored = existingSteps(runId, batch);
        List<CheckpointReport> fresh = new ArrayList<>(batch.size());
        for (CheckpointReport c : batch) {
            if (stored.add(c.step())) {
                fresh.add(c);
            }
        }
        int duplicates = batch.size() - fresh.size();
        if (!fresh.isEmpty()) {
            writer.insert(runId, fresh, Instant.now());
            updateSummary(runId, fresh);
        }
        List<String> runFlags = fresh.isEmpty() ? flags.current(runId) : flags.recompute(runId);
        if (!fresh.isEmpty()) {
            CheckpointsStored event =
                    new CheckpointsStored(project.getId(), project.getKey(), runId, runKey, List.copyOf(fresh), duplicates);
            for (IngestListener listener : listeners) {
                listener.onCheckpointsStored(event);
            }
            events.publishEvent(event); // for what must wait for the commit (@TransactionalEventListener)
        }
        return new IngestResult(fresh.size(), duplicates, runFlags);
    }

    /** The run an upload writes to, locked for the upload's transaction. */
    private record LockedRun(long id, double temperature) {}

    /**
     * Marks a run as ended, at the time of receipt when the end has no time.
     *
     * @param project the project
     * @param runKey the run key
     * @param end how it ended, with a null {@code endedAt} when the body had none
     * @throws ApiProblem 404 for an unknown run, 400 for an end before the run's start
     */
    @Transactional
    public void finishRun(Project project, String runKey, RunEnd end) {
        // locked, so a PUT moving the start cannot come between the check and the update
        List<LockedStart> locked = jdbc.query("SELECT id, started_at FROM run WHERE project_id = ? AND run_key = ?"
                + " FOR UPDATE", (rs, n) -> new LockedStart(rs.getLong(1), rs.getTimestamp(2).toInstant()),
                project.getId(), runKey);
        if (locked.isEmpty()) {
            throw ApiProblem.notFound("run '" + runKey + "'");
        }
        long runId = locked.get(0).id();
        Instant startedAt = locked.get(0).startedAt();
        if (end.endedAt() != null && end.endedAt().isBefore(startedAt)) {
            throw ApiProblem.invalid("endedAt", "is before the run's start (" + startedAt + ")");
        }
        jdbc.update("UPDATE run SET status = ?, ended_at = COALESCE(?::timestamptz, now()), updated_at = now()"
                + " WHERE id = ?", end.status(), timestamp(end.endedAt()), runId);
        RunEnded event = new RunEnded(project.getId(), project.getKey(), runId, runKey, end.status());
        for (IngestListener listener : listeners) {
            listener.onRunEnded(event);
        }
    }

    /** The run a finish writes to, locked for its transaction, with its start. */
    private record LockedStart(long id, Instant startedAt) {}

    /** A time for a {@code ?::timestamptz} parameter, null for none (the SQL then says what applies). */
    private static Timestamp timestamp(Instant time) {
        return time == null ? null : Timestamp.from(time);
    }

    private Set<Long> existingSteps(long runId, List<CheckpointReport> batch) {
        Long[] steps = batch.stream().map(CheckpointReport::step).toArray(Long[]::new);
        Set<Long> out = new HashSet<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT step FROM checkpoint WHERE run_id = ? AND step = ANY (?)");
            ps.setLong(1, runId);
            ps.setArray(2, con.createArrayOf("int8", steps));
            return ps;
        }, rs -> {
            out.add(rs.getLong(1));
        });
        return out;
    }

    private void updateSummary(long runId, List<CheckpointReport> fresh) {
        long maxStep = fresh.stream().mapToLong(CheckpointReport::step).max().orElseThrow();
        Double maxKl = fresh.stream().filter(c -> c.headline() != null).map(c -> c.headline().mean())
                .max(Double::compare).orElse(null);
        jdbc.update("""
                UPDATE run r SET checkpoint_count = r.checkpoint_count + ?,
                    last_step = GREATEST(r.last_step, ?),
                    last_checkpoint_at = now(),
                    max_kl_mean = GREATEST(r.max_kl_mean, ?),
                    latest_kl_mean = l.kl_mean, latest_kl_ci_low = l.kl_ci_low, latest_kl_ci_high = l.kl_ci_high,
                    latest_task_loss = %s
                FROM (SELECT max(kl_mean) AS kl_mean, max(kl_ci_low) AS kl_ci_low, max(kl_ci_high) AS kl_ci_high
                      FROM (SELECT kl_mean, kl_ci_low, kl_ci_high FROM checkpoint
                            WHERE run_id = ? AND valid ORDER BY step DESC LIMIT 1) latest) l
                WHERE r.id = ?
                """.formatted(LatestTaskLoss.value()), fresh.size(), maxStep, maxKl, runId, runId);
    }
}
