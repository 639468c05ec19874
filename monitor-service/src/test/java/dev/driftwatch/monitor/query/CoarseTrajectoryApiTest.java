package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The coarse level through the real ingestion path: a run uploaded in shuffled batches that repeat
 * already stored steps and carry invalid checkpoints serves, through the API, exactly the points that
 * reading every checkpoint gives.
 */
class CoarseTrajectoryApiTest extends ServiceTestBase {

    @Autowired
    private TrajectoryService trajectories;

    @Test
    void outOfOrderAndRepeatedUploadsServeTheSamePointsAsTheCheckpoints() {
        String key = uniqueRunKey("coarse");
        api().putRun(ServiceTest.PROJECT, key, Payloads.run("full", 100, 100));
        Random random = new Random(42);
        List<Integer> steps = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            steps.add(5 + i * 3 + (i % 7 == 0 ? 1 : 0));
        }
        Collections.shuffle(steps, random);
        List<Integer> sent = new ArrayList<>();
        for (int from = 0; from < steps.size(); from += 150) {
            List<ObjectNode> batch = new ArrayList<>();
            for (int step : steps.subList(from, from + 150)) {
                batch.add(checkpoint(step));
            }
            // a retried upload repeats steps that are stored already: they must count once
            for (int i = 0; i < 20 && !sent.isEmpty(); i++) {
                batch.add(checkpoint(sent.get(random.nextInt(sent.size()))));
            }
            sent.addAll(steps.subList(from, from + 150));
            ApiClient.Answer a = api().postCheckpoints(ServiceTest.PROJECT, key, Payloads.batch(batch.toArray(ObjectNode[]::new)));
            assertThat(a.status()).as(a.text()).isEqualTo(200);
        }
        long runId = jdbc.queryForObject("SELECT id FROM run WHERE run_key = ?", Long.class, key);
        MetricRef headline = MetricRef.parse("kl_base_ft", "mean");
        for (String range : List.of("", "&from=700&to=7001", "&from=6&to=8000")) {
            for (int points : new int[] {40, 400, 1000}) {
                JsonNode served = api().get("/api/v1/projects/" + ServiceTest.PROJECT + "/runs/" + key
                        + "/trajectory?points=" + points + range).json();
                Long from = range.isEmpty() ? null : Long.valueOf(range.replaceAll(".*from=(\\d+).*", "$1"));
                Long to = range.isEmpty() ? null : Long.valueOf(range.replaceAll(".*to=(\\d+).*", "$1"));
                Trajectory raw = trajectories.trajectory(runId, key, headline, from, to, points, false, false);
                assertThat(served.get("sourcePoints").longValue()).isEqualTo(raw.sourcePoints());
                assertThat(longs(served.get("steps"))).as("steps, points=%d%s", points, range).isEqualTo(raw.steps());
                assertThat(doubles(served.get("values"))).isEqualTo(raw.values());
            }
        }
        assertThat(jdbc.queryForObject("SELECT n FROM checkpoint_coarse WHERE run_id = ? AND level = 40",
                Integer.class, runId)).isEqualTo(3000);
    }

    /** Every eleventh step is invalid (no headline); the others have a value with many ties. */
    private static ObjectNode checkpoint(int step) {
        if (step % 11 == 0) {
            ObjectNode invalid = ApiClient.JSON.createObjectNode();
            invalid.put("step", step);
            invalid.put("valid", false);
            invalid.put("invalidReason", "NaN in model output");
            invalid.put("probeCount", 0);
            invalid.putObject("metrics");
            return invalid;
        }
        return Payloads.checkpoint(step, (step * 7919 % 13) / 10.0);
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).longValue();
        }
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).doubleValue();
        }
        return out;
    }
}
