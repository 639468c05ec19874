package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The probe-size planner over the API, from a run's latest valid checkpoint. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbePlanApiTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;

    private String key;

    @BeforeAll
    void uploadRun() {
        key = uniqueRunKey("plan");
        api().putRun(P, key, Payloads.run("full", 100, 100));
        // headline mean 0.5 over 600 probes with CI [0.45, 0.55]; slices 300 each, means 0.7 and 0.3, CI +-10%
        ApiClient.Answer a = api().postCheckpoints(P, key, Payloads.batch(Payloads.fullCheckpoint(1, 0.2, 1.0),
                Payloads.fullCheckpoint(7, 0.5, 1.0)));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
    }

    @Test
    void plansTheProbesForAHalfWidthOverallAndPerSlice() {
        JsonNode plan = get("/probe-plan?halfWidth=0.025");
        assertThat(plan.get("step").longValue()).isEqualTo(7);
        assertThat(plan.get("metric").stringValue()).isEqualTo("kl_base_ft");
        JsonNode overall = plan.get("overall");
        assertThat(overall.get("probes").longValue()).isEqualTo(600);
        assertThat(overall.get("currentHalfWidth").doubleValue()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-12));
        // half the width takes four times the probes
        assertThat(overall.get("needed").longValue()).isEqualTo(2400);
        // the checkpoint's tail index travels with the row: 1.7 is heavy (no probe count makes it trustworthy)
        assertThat(overall.get("tailIndex").doubleValue()).isEqualTo(1.7);
        JsonNode onTask = plan.get("slices").get(0);
        assertThat(onTask.get("slice").stringValue()).isEqualTo("on-task");
        // mean 0.7, half-width 0.07: 300 * (0.07 / 0.025)^2 = 2352
        assertThat(onTask.get("needed").longValue()).isEqualTo(2352);
        JsonNode offTask = plan.get("slices").get(1);
        // mean 0.3, half-width 0.03: 300 * (0.03 / 0.025)^2 = 432
        assertThat(offTask.get("needed").longValue()).isEqualTo(432);
        // a half-width no probe set reaches: capped at 2^53 - 1, what a JSON reader holds exactly
        for (String tiny : new String[] {"1e-9", "1e-300", "4.9e-324"}) {
            assertThat(get("/probe-plan?halfWidth=" + tiny).get("overall").get("needed").longValue()).as(tiny)
                    .isEqualTo((1L << 53) - 1);
        }
        // an earlier checkpoint on request
        assertThat(get("/probe-plan?halfWidth=0.025&step=1").get("overall").get("needed").longValue())
                .isEqualTo(384); // 600 * (0.02 / 0.025)^2
    }

    @Test
    void aBadHalfWidthOrMetricIsA400NamingTheField() {
        for (String bad : new String[] {"0", "-1", "abc", "Infinity", "NaN"}) {
            ApiClient.Answer a = api().get("/api/v1/projects/" + P + "/runs/" + key + "/probe-plan?halfWidth=" + bad);
            assertThat(a.status()).as(bad).isEqualTo(400);
            assertThat(a.text()).contains("halfWidth");
        }
        ApiClient.Answer missing = api().get("/api/v1/projects/" + P + "/runs/" + key + "/probe-plan");
        assertThat(missing.status()).isEqualTo(400);
        ApiClient.Answer metric = api().get("/api/v1/projects/" + P + "/runs/" + key + "/probe-plan?halfWidth=1&metric=nope");
        assertThat(metric.status()).isEqualTo(400);
        assertThat(metric.text()).contains("metric");
    }

    /**
     * An interval as wide as the doubles allow: its width overflowed, and the plan answered
     * {@code "currentHalfWidth": "Infinity"}, a string in a number field. Half of each end does not overflow.
     */
    @Test
    void anIntervalAsWideAsTheDoublesHasAFiniteHalfWidth() {
        String run = uniqueRunKey("plan-wide");
        api().putRun(P, run, Payloads.run("full", 100, 100));
        ObjectNode c = Payloads.checkpoint(10, 0.5);
        ObjectNode wide = ((ObjectNode) c.get("metrics")).putObject("score_delta");
        wide.put("count", 600);
        wide.put("mean", 0.0);
        wide.put("p50", 0.0);
        wide.put("p90", 1.0);
        wide.put("p99", 2.0);
        wide.put("max", 3.0);
        wide.put("ciLow", -1.7e308);
        wide.put("ciHigh", 1.7e308);
        ApiClient.Answer up = api().postCheckpoints(P, run, Payloads.batch(c));
        assertThat(up.status()).as(up.text()).isEqualTo(200);
        ApiClient.Answer a = api().get("/api/v1/projects/" + P + "/runs/" + run + "/probe-plan?halfWidth=1&metric=score_delta");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonNode overall = a.json().get("overall");
        assertThat(overall.get("currentHalfWidth").isNumber()).as(a.text()).isTrue();
        assertThat(overall.get("currentHalfWidth").doubleValue()).isEqualTo(1.7e308);
        assertThat(overall.get("needed").longValue()).isEqualTo((1L << 53) - 1);
    }

    private JsonNode get(String suffix) {
        ApiClient.Answer a = api().get("/api/v1/projects/" + P + "/runs/" + key + suffix);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return a.json();
    }
}
