package dev.driftwatch.monitor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A batch with a few bad checkpoints among good ones: the 400 lists exactly the bad ones (index,
 * step, errors), nothing is stored, and the batch without them is then accepted whole.
 */
class BatchRejectionTest extends ServiceTestBase {

    @Test
    void aRefusedBatchSaysWhichCheckpointsWereRejectedAndWhy() {
        OwnProject own = newProject("rejects");
        assertThat(own.api().putRun(own.key(), "r1", Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ObjectNode nul = Payloads.checkpoint(2, 0.2);
        nul.putObject("taskMetrics").put("loss\u0000", 1.0);
        ObjectNode negative = Payloads.checkpoint(4, 0.2);
        ((ObjectNode) negative.get("metrics").get("kl_base_ft")).put("mean", -1.0);
        ObjectNode batch = Payloads.batch(Payloads.checkpoint(1, 0.1), nul, Payloads.checkpoint(3, 0.3), negative,
                Payloads.checkpoint(5, 0.5));
        ApiClient.Answer a = own.api().postCheckpoints(own.key(), "r1", batch);
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        JsonNode rejected = a.json().get("rejected");
        assertThat(rejected).as(a.text()).isNotNull();
        // the NUL is found at the edge, before the parser sees the negative mean: one round each
        assertThat(rejected.size()).isEqualTo(1);
        assertThat(rejected.get(0).get("index").intValue()).isEqualTo(1);
        assertThat(rejected.get(0).get("step").longValue()).isEqualTo(2);
        assertThat(rejected.get(0).get("errors").get(0).get("field").stringValue())
                .startsWith("checkpoints[1].taskMetrics");
        assertThat(stored(own.key())).isZero();

        ((ArrayNodeView) () -> batch).remove(1);
        ApiClient.Answer second = own.api().postCheckpoints(own.key(), "r1", batch);
        assertThat(second.status()).isEqualTo(400);
        JsonNode again = second.json().get("rejected");
        assertThat(again.size()).isEqualTo(1);
        assertThat(again.get(0).get("index").intValue()).isEqualTo(2);
        assertThat(again.get(0).get("step").longValue()).isEqualTo(4);
        assertThat(a.json().get("detail").stringValue()).contains("1 of 5 checkpoint(s) rejected");
        assertThat(stored(own.key())).isZero();

        ((ArrayNodeView) () -> batch).remove(2);
        assertThat(own.api().postCheckpoints(own.key(), "r1", batch).status()).isEqualTo(200);
        assertThat(stored(own.key())).isEqualTo(3);
    }

    /** The batch's array, for removing the rejected items. */
    private interface ArrayNodeView {
        ObjectNode batch();

        default void remove(int index) {
            ((tools.jackson.databind.node.ArrayNode) batch().get("checkpoints")).remove(index);
        }
    }

    private long stored(String projectKey) {
        return jdbc.queryForObject("SELECT count(*) FROM checkpoint c JOIN run r ON r.id = c.run_id"
                + " JOIN project p ON p.id = r.project_id WHERE p.project_key = ?", Long.class, projectKey);
    }
}
