package dev.driftwatch.monitor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Every field the plugin sends comes back unchanged from the query API. */
class IngestRoundTripTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;

    @Test
    void runMetadataRoundTrips() {
        String key = uniqueRunKey("rt-run");
        ObjectNode run = Payloads.run("lora", 1000, 37);
        run.put("runKey", key);
        ApiClient.Answer created = api().putRun(P, key, run);
        assertThat(created.status()).isEqualTo(201);

        JsonNode view = api().get("/api/v1/projects/" + P + "/runs/" + key).json();
        assertThat(view.get("runKey").stringValue()).isEqualTo(key);
        for (String field : new String[] {"name", "method", "baseFingerprint", "probeFingerprint", "startedAt"}) {
            assertThat(view.get(field).stringValue()).as(field).isEqualTo(run.get(field).stringValue());
        }
        assertThat(view.get("tags")).isEqualTo(run.get("tags"));
        assertThat(view.get("config")).isEqualTo(run.get("config"));
        assertThat(view.get("totalParameters").longValue()).isEqualTo(1000);
        assertThat(view.get("trainableParameters").longValue()).isEqualTo(37);
        assertThat(view.get("trainableFraction").doubleValue()).isEqualTo(0.037);
        assertThat(view.get("temperature").doubleValue()).isEqualTo(1.5);
        assertThat(view.get("status").stringValue()).isEqualTo("running");

        run.put("name", "renamed");
        assertThat(api().putRun(P, key, run).status()).isEqualTo(200);
        assertThat(api().get("/api/v1/projects/" + P + "/runs/" + key).json().get("name").stringValue())
                .isEqualTo("renamed");

        ApiClient.Answer finished = api().json("POST", "/api/v1/projects/" + P + "/runs/" + key + "/finish",
                "{\"runKey\":\"" + key + "\",\"status\":\"failed\",\"endedAt\":\"2026-11-27T09:00:00Z\"}");
        assertThat(finished.status()).isEqualTo(200);
        assertThat(finished.json().get("status").stringValue()).isEqualTo("failed");
        assertThat(finished.json().get("endedAt").stringValue()).isEqualTo("2026-11-27T09:00:00Z");
    }

    /**
     * A run's PUT creates or updates, so a retry must change nothing: the default start, the time of receipt,
     * is a new run's; a PUT of a stored run without {@code startedAt} keeps its start (it was moved to the time
     * of the retry), and one with {@code startedAt} changes it.
     */
    @Test
    void aPutWithoutStartedAtKeepsTheStoredStart() {
        String key = uniqueRunKey("rt-start");
        ObjectNode run = Payloads.run("full", 100, 100);
        assertThat(api().putRun(P, key, run).status()).isEqualTo(201);
        run.remove("startedAt");
        assertThat(api().putRun(P, key, run).status()).isEqualTo(200);
        assertThat(startedAt(key)).isEqualTo("2026-11-27T08:00:00Z");

        String received = uniqueRunKey("rt-start");
        assertThat(api().putRun(P, received, run).status()).isEqualTo(201);
        String receipt = startedAt(received);
        assertThat(api().putRun(P, received, run).status()).isEqualTo(200);
        assertThat(startedAt(received)).isEqualTo(receipt);

        run.put("startedAt", "2026-11-27T07:00:00Z");
        assertThat(api().putRun(P, key, run).status()).isEqualTo(200);
        assertThat(startedAt(key)).isEqualTo("2026-11-27T07:00:00Z");
    }

    /** An end before the run's start is refused: {@code 0001-01-01} was stored as the end of a run of 2026. */
    @Test
    void anEndBeforeTheRunsStartIsRefused() {
        String key = uniqueRunKey("rt-end");
        assertThat(api().putRun(P, key, Payloads.run("full", 100, 100)).status()).isEqualTo(201);
        String finish = "/api/v1/projects/" + P + "/runs/" + key + "/finish";
        for (String early : new String[] {"0001-01-01T00:00:00Z", "2026-11-27T07:59:59.999Z"}) {
            ApiClient.Answer a = api().json("POST", finish, "{\"status\":\"completed\",\"endedAt\":\"" + early + "\"}");
            assertThat(a.status()).as(a.text()).isEqualTo(400);
            assertThat(a.json().get("errors").get(0).get("field").stringValue()).isEqualTo("endedAt");
            assertThat(a.json().get("detail").stringValue()).contains("before the run's start", "2026-11-27T08:00:00Z");
        }
        JsonNode unchanged = api().get("/api/v1/projects/" + P + "/runs/" + key).json();
        assertThat(unchanged.get("status").stringValue()).isEqualTo("running");
        assertThat(unchanged.path("endedAt").isNull()).as(unchanged.toString()).isTrue();
        ApiClient.Answer atTheStart = api().json("POST", finish,
                "{\"status\":\"completed\",\"endedAt\":\"2026-11-27T08:00:00Z\"}");
        assertThat(atTheStart.status()).as(atTheStart.text()).isEqualTo(200);
        assertThat(atTheStart.json().get("endedAt").stringValue()).isEqualTo("2026-11-27T08:00:00Z");
    }

    private String startedAt(String runKey) {
        return api().get("/api/v1/projects/" + P + "/runs/" + runKey).json().get("startedAt").stringValue();
    }

    @Test
    void everyCheckpointFieldRoundTrips() {
        String key = uniqueRunKey("rt-cp");
        api().putRun(P, key, Payloads.run("full", 109386, 109386));
        ObjectNode full = Payloads.fullCheckpoint(300, 0.4123456789012345, 0.47);
        full.put("runKey", key);
        ObjectNode invalid = ApiClient.JSON.createObjectNode();
        invalid.put("step", 400);
        invalid.put("valid", false);
        invalid.put("invalidReason", "NaN in model output");
        invalid.put("probeCount", 0);
        invalid.putObject("metrics");

        ApiClient.Answer answer = api().postCheckpoints(P, key, Payloads.batch(full, invalid));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("accepted").intValue()).isEqualTo(2);

        JsonNode back = api().get("/api/v1/projects/" + P + "/runs/" + key + "/checkpoints/300").json();
        ObjectNode expected = full.deepCopy(); // the run key included: the answer is the contract's record
        expected.putNull("invalidReason");
        // the stored tensor without a stable rank comes back with an explicit null
        ((ObjectNode) expected.get("parameters").get("tensors").get(1)).putNull("stableRank");
        ((ObjectNode) expected.get("parameters").get("tensors").get(2)).putNull("stableRank");
        assertThat(back).isEqualTo(ApiClient.JSON.readTree(expected.toString()));

        JsonNode backInvalid = api().get("/api/v1/projects/" + P + "/runs/" + key + "/checkpoints/400").json();
        assertThat(backInvalid.get("valid").booleanValue()).isFalse();
        assertThat(backInvalid.get("invalidReason").stringValue()).isEqualTo("NaN in model output");
        assertThat(backInvalid.get("approximation").stringValue()).isEqualTo("exact");
        // the checkpoint's temperature defaults to the run's
        assertThat(backInvalid.get("temperature").doubleValue()).isEqualTo(1.5);
        assertThat(backInvalid.get("parameters").isNull()).isTrue();

        JsonNode run = api().get("/api/v1/projects/" + P + "/runs/" + key).json();
        assertThat(run.get("checkpointCount").intValue()).isEqualTo(2);
        assertThat(run.get("lastStep").longValue()).isEqualTo(400);
        // the latest *valid* checkpoint is the headline
        assertThat(run.get("latestKlMean").doubleValue()).isEqualTo(0.4123456789012345);
        assertThat(run.get("latestTaskLoss").doubleValue()).isEqualTo(0.47);
    }

    @Test
    void gzipBodiesAreAccepted() {
        String key = uniqueRunKey("rt-gz");
        api().putRun(P, key, Payloads.run("head", 100, 10));
        byte[] body = Payloads.batch(Payloads.checkpoint(1, 0.1)).toString().getBytes();
        ApiClient.Answer answer = api().send("POST", "/api/v1/projects/" + P + "/runs/" + key + "/checkpoints",
                "application/json", body, true);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(checkpointCount(key)).isEqualTo(1);
        // two gzip members one after the other are one body (RFC 1952), as before bytes after the end were refused
        String second = Payloads.batch(Payloads.checkpoint(2, 0.1)).toString();
        int half = second.length() / 2;
        java.io.ByteArrayOutputStream members = new java.io.ByteArrayOutputStream();
        for (String part : new String[] {second.substring(0, half), second.substring(half)}) {
            try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(members)) {
                gz.write(part.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        ApiClient.Answer two = api().send("POST", "/api/v1/projects/" + P + "/runs/" + key + "/checkpoints",
                "application/json", members.toByteArray(), false, "gzip");
        assertThat(two.status()).as(two.text()).isEqualTo(200);
        assertThat(checkpointCount(key)).isEqualTo(2);
    }
}
