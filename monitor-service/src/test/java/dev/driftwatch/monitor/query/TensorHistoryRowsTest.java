package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A run whose tensor names change from checkpoint to checkpoint has any number of tensors, each checkpoint
 * within its limit: its heatmap answer held every name (200,000 names of 500 characters: 113 MB, and three at
 * once ran the service out of memory). The history keeps at most
 * {@link CheckpointQueryService#MAX_HISTORY_TENSORS} rows, the last step's first, and says how many there are.
 */
class TensorHistoryRowsTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;
    private static final int WIDE = CheckpointQueryService.MAX_HISTORY_TENSORS;

    /** A checkpoint with {@link #WIDE} tensors named {@code prefix.i}. */
    private static ObjectNode wide(long step, String prefix) {
        ObjectNode c = Payloads.checkpoint(step, 0.1);
        ObjectNode p = c.putObject("parameters");
        p.put("totalParameters", WIDE);
        p.put("trainableParameters", WIDE);
        p.put("trainableFraction", 1.0);
        p.put("globalRelativeL2", 0.1);
        ArrayNode tensors = p.putArray("tensors");
        for (int i = 0; i < WIDE; i++) {
            ObjectNode t = tensors.addObject();
            t.put("name", prefix + "." + i);
            t.put("trainable", true);
            t.put("buffer", false);
            t.put("size", 1);
            t.put("deltaL2", 0.1);
            t.put("baseL2", 1.0);
            t.put("relative", step + i / 1e6);
        }
        return c;
    }

    @Test
    void aRunWithMoreTensorsThanOneCheckpointHoldsGetsTheLastStepsRowsAndTheirCount() {
        String runKey = uniqueRunKey("names");
        assertThat(api().putRun(P, runKey, Payloads.run("full", WIDE, WIDE)).status()).isEqualTo(201);
        for (int step = 0; step < 3; step++) {
            ApiClient.Answer a = api().postCheckpoints(P, runKey, Payloads.batch(wide(step, "step" + step)));
            assertThat(a.status()).as(a.text()).isEqualTo(200);
        }

        JsonNode h = api().get("/api/v1/projects/" + P + "/runs/" + runKey + "/tensors/history").json();

        assertThat(h.get("tensorCount").longValue()).isEqualTo(3L * WIDE);
        assertThat(h.get("tensors")).hasSize(WIDE);
        assertThat(h.get("tensors").get(0).stringValue()).isEqualTo("step2.0");
        assertThat(h.get("tensors").get(WIDE - 1).stringValue()).isEqualTo("step2." + (WIDE - 1));
        assertThat(h.get("steps")).hasSize(3);
        JsonNode row = h.get("values").get(7);
        assertThat(row.get(0).isNull()).isTrue();
        assertThat(row.get(2).doubleValue()).isEqualTo(2 + 7 / 1e6);
        // a run whose tensors fit keeps them all
        JsonNode tensors = api().get("/api/v1/projects/" + P + "/runs/" + runKey + "/tensors?step=1").json();
        assertThat(tensors.get("tensors")).hasSize(WIDE);
        assertThat(tensors.get("tensors").get(3).get("name").stringValue()).isEqualTo("step1.3");
    }
}
