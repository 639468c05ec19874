package dev.driftwatch.monitor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A checkpoint is stored once per (project, run key, step), whatever the order or repetition. */
class IdempotencyTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;

    @Test
    void repeatedUploadChangesNothingAndSucceeds() {
        String key = uniqueRunKey("idem");
        api().putRun(P, key, Payloads.run("full", 100, 100));
        ObjectNode batch = Payloads.batch(Payloads.checkpoint(10, 0.2), Payloads.checkpoint(20, 0.3));
        assertThat(api().postCheckpoints(P, key, batch).json().get("accepted").intValue()).isEqualTo(2);

        ApiClient.Answer again = api().postCheckpoints(P, key, batch);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("accepted").intValue()).isZero();
        assertThat(again.json().get("duplicates").intValue()).isEqualTo(2);

        // a different body for a stored step is a duplicate too: the first upload wins
        ApiClient.Answer changed = api().postCheckpoints(P, key, Payloads.batch(Payloads.checkpoint(10, 0.9)));
        assertThat(changed.json().get("duplicates").intValue()).isEqualTo(1);
        JsonNode stored = api().get("/api/v1/projects/" + P + "/runs/" + key + "/checkpoints/10").json();
        assertThat(stored.get("metrics").get("kl_base_ft").get("mean").doubleValue()).isEqualTo(0.2);
        assertThat(checkpointCount(key)).isEqualTo(2);
    }

    @Test
    void outOfOrderStepsAreAcceptedAndSorted() {
        String key = uniqueRunKey("order");
        api().putRun(P, key, Payloads.run("full", 100, 100));
        ApiClient.Answer first = api().postCheckpoints(P, key,
                Payloads.batch(Payloads.checkpoint(50, 0.5), Payloads.checkpoint(10, 0.1), Payloads.checkpoint(30, 0.3)));
        assertThat(first.json().get("accepted").intValue()).isEqualTo(3);
        // a batch mixing a stored step, a new earlier step and a repeat inside the batch
        ApiClient.Answer second = api().postCheckpoints(P, key,
                Payloads.batch(Payloads.checkpoint(30, 0.3), Payloads.checkpoint(20, 0.2), Payloads.checkpoint(20, 0.2)));
        assertThat(second.json().get("accepted").intValue()).isEqualTo(1);
        assertThat(second.json().get("duplicates").intValue()).isEqualTo(2);

        JsonNode t = api().get("/api/v1/projects/" + P + "/runs/" + key + "/trajectory").json();
        assertThat(t.get("steps").toString()).isEqualTo("[10,20,30,50]");
        assertThat(t.get("values").toString()).isEqualTo("[0.1,0.2,0.3,0.5]");
        JsonNode run = api().get("/api/v1/projects/" + P + "/runs/" + key).json();
        assertThat(run.get("lastStep").longValue()).isEqualTo(50);
        assertThat(run.get("latestKlMean").doubleValue()).isEqualTo(0.5);
        assertThat(run.get("maxKlMean").doubleValue()).isEqualTo(0.5);
        assertThat(run.get("checkpointCount").intValue()).isEqualTo(4);
    }

    @Test
    @Timeout(120)
    void concurrentOverlappingUploadsStoreEachStepOnce() throws Exception {
        String key = uniqueRunKey("concurrent");
        api().putRun(P, key, Payloads.run("full", 100, 100));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int offset = t * 5;
                Callable<JsonNode> upload = () -> {
                    ObjectNode[] cps = new ObjectNode[20];
                    for (int i = 0; i < 20; i++) {
                        cps[i] = Payloads.checkpoint(offset + i, 0.01 * (offset + i));
                    }
                    return api().postCheckpoints(P, key, Payloads.batch(cps)).json();
                };
                answers.add(pool.submit(upload));
            }
            int accepted = 0;
            int duplicates = 0;
            for (Future<JsonNode> f : answers) {
                accepted += f.get().get("accepted").intValue();
                duplicates += f.get().get("duplicates").intValue();
            }
            // steps 0..54 exist once; the rest of the 160 uploads were duplicates
            assertThat(accepted).isEqualTo(55);
            assertThat(duplicates).isEqualTo(160 - 55);
            assertThat(checkpointCount(key)).isEqualTo(55);
            assertThat(api().get("/api/v1/projects/" + P + "/runs/" + key).json().get("checkpointCount").intValue())
                    .isEqualTo(55);
        } finally {
            pool.shutdownNow();
        }
    }
}
