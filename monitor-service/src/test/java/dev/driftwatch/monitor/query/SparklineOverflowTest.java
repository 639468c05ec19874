package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * F3's second half: a run already holding steps far apart (stored before the edge bounded steps, or
 * written by SQL) must still draw its sparkline; {@code (hi - lo) * i} used to overflow a bigint and
 * take the runs list down for everyone. (The runs list draws its sparklines from these samples.)
 */
class SparklineOverflowTest extends ServiceTestBase {

    @Autowired
    private HeadlineSamples samples;

    @Test
    void stepsAtBothEndsOfTheBigintRangeStillSample() {
        OwnProject own = newProject("spark");
        assertThat(own.api().putRun(own.key(), "r1", Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        long runId = jdbc.queryForObject("SELECT r.id FROM run r JOIN project p ON p.id = r.project_id"
                + " WHERE p.project_key = ? AND r.run_key = 'r1'", Long.class, own.key());
        for (long step : new long[] {0, 1L << 60, Long.MAX_VALUE}) {
            jdbc.update("INSERT INTO checkpoint (run_id, step, measured_at, valid, approximation, temperature,"
                    + " probe_count, kl_count, kl_mean, metrics) VALUES (?, ?, now(), true, 'exact', 1, 10, 10, ?,"
                    + " '{}')", runId, step, step == 0 ? 0.1 : 0.5);
        }
        HeadlineSamples.Samples s = samples.ofRun(runId);
        assertThat(s.steps()).containsExactly(0, 1L << 60, Long.MAX_VALUE);
        assertThat(s.values()).containsExactly(0.1, 0.5, 0.5);
        long projectId = jdbc.queryForObject("SELECT id FROM project WHERE project_key = ?", Long.class, own.key());
        assertThat(samples.ofRuns(projectId, java.util.List.of("r1", "unknown")).keySet()).containsExactly("r1");
    }
}
