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

    private JsonNode get(String suffix) {
        ApiClient.Answer a = api().get("/api/v1/projects/" + P + "/runs/" + key + suffix);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return a.json();
    }
}
