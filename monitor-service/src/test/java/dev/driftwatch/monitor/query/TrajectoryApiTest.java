package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The query API on a 5000-checkpoint run with one spike and one dip. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrajectoryApiTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;
    private static final int N = 5000;
    private static final int SPIKE = 3333;
    private static final int DIP = 1234;

    private String key;

    @BeforeAll
    void uploadRun() {
        key = uniqueRunKey("traj");
        api().putRun(P, key, Payloads.run("full", 100, 100));
        for (int from = 0; from < N; from += 1000) {
            ObjectNode[] batch = new ObjectNode[1000];
            for (int i = 0; i < 1000; i++) {
                int step = from + i;
                batch[i] = Payloads.fullCheckpoint(step, value(step), 1.0 / (1 + step));
            }
            ApiClient.Answer a = api().postCheckpoints(P, key, Payloads.batch(batch));
            assertThat(a.status()).as(a.text()).isEqualTo(200);
        }
        String small = uniqueRunKey("traj-small");
        api().putRun(P, small, Payloads.run("full", 100, 100));
        api().postCheckpoints(P, small, Payloads.batch(Payloads.checkpoint(1, 0.01)));
    }

    private static double value(int step) {
        return step == SPIKE ? 10.0 : step == DIP ? 0.0 : 0.5 + 0.4 * Math.sin(step / 100.0);
    }

    @Test
    void downsamplingKeepsFirstLastAndExtremes() {
        JsonNode t = get("/trajectory?points=100&ci=true");
        long[] steps = longs(t.get("steps"));
        assertThat(steps.length).isLessThanOrEqualTo(100).isGreaterThan(50);
        assertThat(t.get("downsampled").booleanValue()).isTrue();
        assertThat(t.get("sourcePoints").longValue()).isEqualTo(N);
        assertThat(steps[0]).isZero();
        assertThat(steps[steps.length - 1]).isEqualTo(N - 1);
        assertThat(valueAt(t, SPIKE)).isEqualTo(10.0);
        assertThat(valueAt(t, DIP)).isEqualTo(0.0);
        for (int i = 0; i < steps.length; i++) {
            double v = t.get("values").get(i).doubleValue();
            assertThat(v).isEqualTo(value((int) steps[i]));
            // the CI band comes from the same checkpoints
            assertThat(t.get("ciLow").get(i).doubleValue()).isEqualTo(v * 0.9);
        }
    }

    @Test
    void theCiIsIncludedByDefaultAndCanBeLeftOut() {
        JsonNode byDefault = get("/trajectory?points=50");
        assertThat(byDefault.get("ciLow").size()).isEqualTo(byDefault.get("steps").size());
        assertThat(byDefault.get("ciHigh").get(0).doubleValue()).isEqualTo(byDefault.get("values").get(0).doubleValue() * 1.1);
        JsonNode without = get("/trajectory?points=50&ci=false");
        assertThat(without.get("values")).isEqualTo(byDefault.get("values"));
        assertThat(without.get("ciLow").isNull()).isTrue();
        assertThat(without.get("ciHigh").isNull()).isTrue();
    }

    @Test
    void stepRangeIsRespectedForZoom() {
        JsonNode t = get("/trajectory?from=1000&to=2000&points=40");
        long[] steps = longs(t.get("steps"));
        assertThat(java.util.Arrays.stream(steps).allMatch(s -> s >= 1000 && s <= 2000)).isTrue();
        assertThat(steps[0]).isEqualTo(1000);
        assertThat(steps[steps.length - 1]).isEqualTo(2000);
        assertThat(steps.length).isLessThanOrEqualTo(40);
        assertThat(t.get("sourcePoints").longValue()).isEqualTo(1001);
        assertThat(valueAt(t, DIP)).isEqualTo(0.0);
        // a range that fits is returned whole
        JsonNode small = get("/trajectory?from=10&to=19&points=40");
        assertThat(longs(small.get("steps"))).containsExactly(10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
        assertThat(small.get("downsampled").booleanValue()).isFalse();
    }

    @Test
    void otherMetricsSlicesTensorsExamplesCompareAndCsv() {
        JsonNode js = get("/trajectory?metric=js&stat=p90&points=1000");
        assertThat(js.get("unit").stringValue()).isEqualTo("nats/token");
        assertThat(js.get("values").get(0).doubleValue()).isEqualTo(Math.min(0.2, value(0) / 4) * 1.5);
        JsonNode loss = get("/trajectory?metric=task:validate_accuracy&points=4");
        assertThat(loss.get("values").get(0).doubleValue()).isEqualTo(0.84);

        JsonNode slices = get("/slices?points=200");
        assertThat(slices.get("slices")).hasSize(2);
        assertThat(slices.get("slices").get(0).get("slice").stringValue()).isEqualTo("on-task");
        assertThat(slices.get("slices").get(0).get("steps").size()).isLessThanOrEqualTo(200);

        JsonNode tensors = get("/tensors?step=42");
        assertThat(tensors.get("step").longValue()).isEqualTo(42);
        assertThat(tensors.get("tensors")).hasSize(3);
        JsonNode heat = get("/tensors/history?points=50");
        assertThat(heat.get("tensors")).hasSize(3);
        assertThat(heat.get("steps")).hasSize(50);
        assertThat(heat.get("steps").get(49).longValue()).isEqualTo(N - 1);

        JsonNode top = get("/top-examples?step=" + SPIKE);
        assertThat(top.get("examples").get(0).get("value").doubleValue()).isEqualTo(30.0);

        JsonNode cmp = api().get("/api/v1/projects/" + P + "/compare?runs=" + key + "," + key + "&points=100").json();
        assertThat(cmp.get("runs")).hasSize(1);

        ApiClient.Answer csv = api().get("/api/v1/projects/" + P + "/runs/" + key + "/export.csv");
        assertThat(csv.contentType()).startsWith("text/csv");
        String[] lines = csv.text().split("\n");
        assertThat(lines).hasSize(N + 1);
        assertThat(lines[0]).startsWith("step,epoch,time,valid").contains("kl_base_ft_mean").contains("validate_loss");
        assertThat(lines[SPIKE + 1]).startsWith(SPIKE + ",33,");
    }

    @Test
    void runsListSortsAndPaginates() {
        JsonNode page = api().get("/api/v1/projects/" + P + "/runs?sort=maxDrift&size=1").json();
        assertThat(page.get("runs")).hasSize(1);
        assertThat(page.get("total").longValue()).isGreaterThan(1);
        // the 10.0 spike is the largest drift any test uploads
        assertThat(page.get("runs").get(0).get("runKey").stringValue()).isEqualTo(key);
        JsonNode byName = api().get("/api/v1/projects/" + P + "/runs?sort=name&size=200&method=full").json();
        List<String> names = new ArrayList<>();
        byName.get("runs").forEach(r -> names.add(r.get("name").stringValue()));
        assertThat(names).isSorted();
        byName.get("runs").forEach(r -> assertThat(r.get("method").stringValue()).isEqualTo("full"));
    }

    private JsonNode get(String suffix) {
        ApiClient.Answer a = api().get("/api/v1/projects/" + P + "/runs/" + key + suffix);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return a.json();
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).longValue();
        }
        return out;
    }

    private static double valueAt(JsonNode t, long step) {
        long[] steps = longs(t.get("steps"));
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] == step) {
                return t.get("values").get(i).doubleValue();
            }
        }
        throw new AssertionError("step " + step + " not kept: " + t.get("steps"));
    }
}
