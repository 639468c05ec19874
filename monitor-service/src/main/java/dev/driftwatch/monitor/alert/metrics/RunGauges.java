package dev.driftwatch.monitor.alert.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Per-run gauges on the Prometheus endpoint, for active runs only (status running, a checkpoint
 * within {@link GaugeProperties#activeRunWindow()}, at most {@link GaugeProperties#maxGaugedRuns()}),
 * so the number of series stays bounded however many runs the database holds:
 *
 * <ul>
 *   <li>{@code driftwatch_run_drift_kl{project, run}}: latest headline KL(base||ft) mean, nats/token
 *   <li>{@code driftwatch_run_drift_kl_ci_low{project, run}}: its lower 95% CI bound
 *   <li>{@code driftwatch_run_flag{project, run, flag}}: 1 when the flag is raised, else 0
 *   <li>{@code driftwatch_alerts_firing}, {@code driftwatch_notifications_pending}: totals
 * </ul>
 *
 * The gauges are reloaded every {@link GaugeProperties#gaugeRefresh()}; a run that ends or goes
 * quiet disappears at the next reload.
 */
@Component
@EnableConfigurationProperties(GaugeProperties.class)
public class RunGauges implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RunGauges.class);
    private static final String[] FLAGS = {"parameter-heavy", "drifts-far"};

    private final JdbcTemplate jdbc;
    private final GaugeProperties properties;
    private final MultiGauge kl;
    private final MultiGauge klCiLow;
    private final MultiGauge flags;
    private final AtomicLong firing = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private volatile ScheduledExecutorService executor;

    RunGauges(JdbcTemplate jdbc, GaugeProperties properties, MeterRegistry registry) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.kl = MultiGauge.builder("driftwatch.run.drift.kl").baseUnit("nats")
                .description("Latest headline KL(base||ft) mean of an active run, nats/token").register(registry);
        this.klCiLow = MultiGauge.builder("driftwatch.run.drift.kl.ci.low").baseUnit("nats")
                .description("Lower 95% CI bound of the latest headline KL of an active run").register(registry);
        this.flags = MultiGauge.builder("driftwatch.run.flag")
                .description("1 when the active run carries the flag, else 0").register(registry);
        Gauge.builder("driftwatch.alerts.firing", firing, AtomicLong::get)
                .description("Alerts currently firing").register(registry);
        Gauge.builder("driftwatch.notifications.pending", pending, AtomicLong::get)
                .description("Notifications waiting in the outbox").register(registry);
    }

    /** One active run's row. */
    private record ActiveRun(String project, String run, Double kl, Double klCiLow, boolean heavy, boolean far) {}

    /** Reloads every gauge from the database. */
    public void refresh() {
        Instant since = Instant.now().minus(properties.activeRunWindow());
        List<ActiveRun> runs = jdbc.query("""
                SELECT p.project_key, r.run_key, r.latest_kl_mean, r.latest_kl_ci_low, r.flag_parameter_heavy,
                       r.flag_drifts_far
                FROM run r JOIN project p ON p.id = r.project_id
                WHERE r.status = 'running' AND r.last_checkpoint_at >= ?
                ORDER BY r.last_checkpoint_at DESC LIMIT ?
                """, (rs, i) -> new ActiveRun(rs.getString(1), rs.getString(2), (Double) rs.getObject(3),
                        (Double) rs.getObject(4), rs.getBoolean(5), rs.getBoolean(6)),
                Timestamp.from(since), properties.maxGaugedRuns());
        List<MultiGauge.Row<?>> klRows = new ArrayList<>();
        List<MultiGauge.Row<?>> ciRows = new ArrayList<>();
        List<MultiGauge.Row<?>> flagRows = new ArrayList<>();
        for (ActiveRun r : runs) {
            Tags tags = Tags.of("project", r.project(), "run", r.run());
            if (r.kl() != null) {
                klRows.add(MultiGauge.Row.of(tags, r.kl()));
            }
            if (r.klCiLow() != null) {
                ciRows.add(MultiGauge.Row.of(tags, r.klCiLow()));
            }
            flagRows.add(MultiGauge.Row.of(tags.and("flag", FLAGS[0]), r.heavy() ? 1 : 0));
            flagRows.add(MultiGauge.Row.of(tags.and("flag", FLAGS[1]), r.far() ? 1 : 0));
        }
        kl.register(klRows, true);
        klCiLow.register(ciRows, true);
        flags.register(flagRows, true);
        firing.set(jdbc.queryForObject("SELECT count(*) FROM alert WHERE state = 'firing'", Long.class));
        pending.set(jdbc.queryForObject("SELECT count(*) FROM notification WHERE status = 'pending'", Long.class));
    }

    private void refreshSafely() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("Refreshing the run gauges failed: {}", e.toString());
        }
    }

    @Override
    public void start() {
        if (executor != null) {
            return;
        }
        ScheduledExecutorService e = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-gauges");
            t.setDaemon(true);
            return t;
        });
        e.scheduleWithFixedDelay(this::refreshSafely, 0, Math.max(100, properties.gaugeRefresh().toMillis()),
                TimeUnit.MILLISECONDS);
        executor = e;
    }

    @Override
    public void stop() {
        ScheduledExecutorService e = executor;
        executor = null;
        if (e != null) {
            e.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return executor != null;
    }
}
