package dev.driftwatch.monitor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.ContractVersion;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Plugin and service can be upgraded in either order: an upload in the old format (no contract version
 * header, as plugins before the contract module sent) is accepted, a newer minor version is accepted,
 * a metric this service does not know is stored and served, and only another major version is refused.
 */
class ContractEvolutionTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;
    private static final String NEWER_METRIC = "kl_newer_plugin";

    @Test
    void oldFormatUploadWithoutVersionIsAccepted() {
        String key = uniqueRunKey("old-format");
        // exactly what a plugin of the 1.0 format sent: no contract header, only the fields it knew
        ObjectNode run = Payloads.run("full", 1000, 1000);
        assertThat(api().putRun(P, key, run).status()).isEqualTo(201);
        ApiClient.Answer answer = api().postCheckpoints(P, key, Payloads.batch(Payloads.checkpoint(10, 0.2),
                Payloads.fullCheckpoint(20, 0.3, 0.5)));
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.json().get("accepted").intValue()).isEqualTo(2);
        assertThat(checkpointCount(key)).isEqualTo(2);
    }

    @Test
    void currentAndNewerMinorVersionsAreAcceptedAndAnotherMajorIsRefused() {
        String key = uniqueRunKey("versions");
        ApiClient current = api().withHeader(ContractVersion.HEADER, ContractVersion.CURRENT);
        assertThat(current.putRun(P, key, Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ApiClient newerMinor = api().withHeader(ContractVersion.HEADER, ContractVersion.MAJOR + ".99");
        assertThat(newerMinor.postCheckpoints(P, key, Payloads.batch(Payloads.checkpoint(1, 0.1))).status())
                .isEqualTo(200);

        ApiClient nextMajor = api().withHeader(ContractVersion.HEADER, (ContractVersion.MAJOR + 1) + ".0");
        ApiClient.Answer refused = nextMajor.postCheckpoints(P, key, Payloads.batch(Payloads.checkpoint(2, 0.1)));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.isProblem()).isTrue();
        assertThat(refused.json().get("errors").get(0).get("field").stringValue()).isEqualTo(ContractVersion.HEADER);
        assertThat(refused.text()).contains(ContractVersion.ACCEPTS);
        ApiClient.Answer garbled = api().withHeader(ContractVersion.HEADER, "one").postCheckpoints(P, key,
                Payloads.batch(Payloads.checkpoint(3, 0.1)));
        assertThat(garbled.status()).isEqualTo(400);
        // a minor version of more digits than the contract's is refused, saying why (it said "reads 1.x")
        ApiClient.Answer longMinor = api().withHeader(ContractVersion.HEADER, ContractVersion.MAJOR + ".99999")
                .postCheckpoints(P, key, Payloads.batch(Payloads.checkpoint(4, 0.1)));
        assertThat(longMinor.status()).isEqualTo(400);
        assertThat(longMinor.text()).contains("each of 1 to 4 digits");
        assertThat(checkpointCount(key)).as("nothing written by refused uploads").isEqualTo(1);
    }

    @Test
    void serviceSaysWhichContractItReads() {
        JsonNode contract = api().get("/api/v1/contract").json();
        assertThat(contract.get("version").stringValue()).isEqualTo(ContractVersion.CURRENT);
        assertThat(contract.get("accepts").stringValue()).isEqualTo("1.x");
        assertThat(contract.get("header").stringValue()).isEqualTo(ContractVersion.HEADER);
        assertThat(contract.get("metrics")).hasSize(Metric.values().length);
        JsonNode js = contract.get("metrics").get(Metric.JS.ordinal());
        assertThat(js.get("name").stringValue()).isEqualTo("js");
        assertThat(js.get("unit").stringValue()).isEqualTo("nats/token");
        assertThat(js.get("max").doubleValue()).isEqualTo(Math.log(2));
        assertThat(contract.get("metrics").get(0).get("max").isNull()).isTrue();
        assertThat(contract.get("statistics").toString())
                .isEqualTo("[\"mean\",\"p50\",\"p90\",\"p99\",\"max\",\"ciLow\",\"ciHigh\"]");
    }

    @Test
    void unknownMetricIsStoredAndServedGenerically() {
        String key = uniqueRunKey("newer-metric");
        ApiClient newer = api().withHeader(ContractVersion.HEADER, ContractVersion.MAJOR + ".2");
        assertThat(newer.putRun(P, key, Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ObjectNode[] checkpoints = new ObjectNode[3];
        for (int i = 0; i < 3; i++) {
            ObjectNode c = Payloads.fullCheckpoint(100L * (i + 1), 0.1 * (i + 1), 0.5);
            // a newer plugin's metric, above every known metric's bound (ln 2, 1): no range is checked for it
            ((ObjectNode) c.get("metrics")).set(NEWER_METRIC, Payloads.summary(600, 2.0 + i));
            ((ObjectNode) c.get("slices").get(0).get("metrics")).set(NEWER_METRIC, Payloads.summary(300, 5.0 + i));
            ((ObjectNode) c.get("topExamples").get(1)).put("metric", NEWER_METRIC);
            checkpoints[i] = c;
        }
        ApiClient.Answer answer = newer.postCheckpoints(P, key, Payloads.batch(checkpoints));
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.json().get("accepted").intValue()).isEqualTo(3);

        String run = "/api/v1/projects/" + P + "/runs/" + key;
        JsonNode stored = api().get(run + "/checkpoints/200").json();
        assertThat(stored.get("metrics").get(NEWER_METRIC)).isEqualTo(Payloads.summary(600, 3.0));
        assertThat(stored.get("slices").get(0).get("metrics").get(NEWER_METRIC)).isEqualTo(Payloads.summary(300, 6.0));
        assertThat(stored.get("topExamples").get(1).get("metric").stringValue()).isEqualTo(NEWER_METRIC);

        JsonNode trajectory = api().get(run + "/trajectory?metric=" + NEWER_METRIC + "&stat=p90&ci=true").json();
        assertThat(trajectory.get("unit").stringValue()).as("no unit known").isEmpty();
        assertThat(trajectory.get("steps").toString()).isEqualTo("[100,200,300]");
        assertThat(trajectory.get("values").get(1).doubleValue()).isEqualTo(3.0 * 1.5);
        assertThat(trajectory.get("ciLow").get(2).doubleValue()).isEqualTo(4.0 * 0.9);
        JsonNode slices = api().get(run + "/slices?metric=" + NEWER_METRIC).json();
        assertThat(slices.toString()).contains("on-task").contains("7.0");

        // the CSV export carries it too, after the known metrics
        String[] csv = api().get(run + "/export.csv").text().split("\n");
        List<String> header = List.of(csv[0].split(","));
        int mean = header.indexOf(NEWER_METRIC + "_mean");
        assertThat(mean).as(csv[0]).isGreaterThan(header.indexOf("top1_agree_mean"));
        assertThat(header.get(mean - 1)).isEqualTo(NEWER_METRIC + "_count");
        assertThat(csv).hasSize(4);
        assertThat(csv[2].split(",")[mean]).isEqualTo("3.0");
        assertThat(csv[2].split(",")[mean - 1]).isEqualTo("600");
    }
}
