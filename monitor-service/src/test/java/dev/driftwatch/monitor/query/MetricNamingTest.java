package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Scalar;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * One naming of metrics everywhere (docs/api/README.md, "Metrics"): the trajectory, compare and rule
 * endpoints take the contract's names of the distribution metrics and the scalars, with the
 * contract's units; the spellings of earlier versions are answered with the current name by the
 * query API and refused with the right name by rules; a name nobody knows is a 400, not an empty
 * chart.
 */
class MetricNamingTest extends ServiceTestBase {

    private OwnProject own;
    private String base;

    @BeforeEach
    void upload() {
        own = newProject("naming");
        assertThat(own.api().putRun(own.key(), "r", Payloads.run("full", 109386, 109386)).status()).isEqualTo(201);
        assertThat(own.api().postCheckpoints(own.key(), "r", Payloads.batch(Payloads.fullCheckpoint(10, 0.2, 0.5),
                Payloads.fullCheckpoint(20, 0.3, 0.4))).status()).isEqualTo(200);
        base = "/api/v1/projects/" + own.key() + "/runs/r/trajectory?points=4&metric=";
    }

    @Test
    void everyNameOfTheContractIsPlottedWithItsUnit() {
        for (String name : List.of("kl_base_ft", "kl_ft_base", "js", "tv")) {
            JsonNode t = get(base + name);
            assertThat(t.path("unit").asString()).as(name).isEqualTo(Metric.byName(name).orElseThrow().unit().symbol());
            assertThat(t.path("values")).as(name).hasSize(2);
        }
        for (Scalar s : Scalar.values()) {
            JsonNode t = get(base + s.wireName());
            assertThat(t.path("metric").asString()).isEqualTo(s.wireName());
            assertThat(t.path("unit").asString()).as(s.wireName()).isEqualTo(s.unit());
            assertThat(t.path("stat").isNull()).as(s.wireName()).isTrue();
            assertThat(t.path("values")).as(s.wireName()).hasSize(2);
        }
        assertThat(get(base + "global_relative_l2").path("values").get(0).asDouble()).isEqualTo(0.083);
        assertThat(get(base + "trainable_fraction").path("values").get(0).asDouble()).isEqualTo(1.0);
        assertThat(get(base + "validate_loss").path("values").get(1).asDouble()).isEqualTo(0.4);
        assertThat(get(base + "train_loss").path("values").get(1).asDouble()).isEqualTo(0.4 * 0.9);
        // any other task metric by its own name
        assertThat(get(base + "validate_accuracy").path("values").get(0).asDouble()).isEqualTo(0.84);
        JsonNode compare = get("/api/v1/projects/" + own.key() + "/compare?runs=r&points=4&metric=validate_loss");
        assertThat(compare.toString()).contains("\"metric\":\"validate_loss\"");
    }

    @Test
    void earlierSpellingsAreAnsweredWithTheCurrentName() {
        assertThat(get(base + "param:globalRelativeL2").path("metric").asString()).isEqualTo("global_relative_l2");
        assertThat(get(base + "param:trainableFraction").path("metric").asString()).isEqualTo("trainable_fraction");
        assertThat(get(base + "task:validate_loss").path("metric").asString()).isEqualTo("validate_loss");
        JsonNode accuracy = get(base + "task:validate_accuracy");
        assertThat(accuracy.path("metric").asString()).isEqualTo("validate_accuracy");
        assertThat(accuracy.path("values").get(0).asDouble()).isEqualTo(0.84);
    }

    @Test
    void aTaskMetricOfAnyNameTheUploadTookCanBeCharted() {
        // the run page offers such a key as task:<name>; the upload takes any 1 to 64 characters
        String name = "Validate Accuracy (top 5) + ünïcode";
        var c = Payloads.fullCheckpoint(30, 0.3, 0.4);
        ((tools.jackson.databind.node.ObjectNode) c.get("taskMetrics")).put(name, 0.77);
        assertThat(own.api().postCheckpoints(own.key(), "r", Payloads.batch(c)).status()).isEqualTo(200);
        JsonNode t = get(base + "task:" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(t.path("metric").asString()).isEqualTo(name);
        // only the checkpoint that reported it
        assertThat(t.path("steps").toString()).isEqualTo("[30]");
        assertThat(t.path("values").toString()).isEqualTo("[0.77]");
        ApiClient.Answer tooLong = own.api().get(base + "task:" + "x".repeat(65));
        assertThat(tooLong.status()).isEqualTo(400);
    }

    @Test
    void aTaskMetricByItsOwnNameHasNoIntervalNotABandOfZeros() {
        JsonNode accuracy = get(base + "validate_accuracy");
        assertThat(accuracy.path("values").toString()).isEqualTo("[0.84,0.84]");
        assertThat(accuracy.path("stat").isNull()).as(accuracy.toString()).isTrue();
        assertThat(accuracy.path("ciLow").isNull()).as(accuracy.toString()).isTrue();
        assertThat(accuracy.path("ciHigh").isNull()).as(accuracy.toString()).isTrue();
        JsonNode js = get(base + "js");
        assertThat(js.path("stat").asString()).isEqualTo("mean");
        assertThat(js.path("ciLow")).hasSize(2);
        assertThat(js.path("ciLow").get(0).asDouble()).isPositive().isLessThan(js.path("values").get(0).asDouble());
    }

    @Test
    void aNameNobodyKnowsIsA400NamingTheParameter() {
        for (String typo : List.of("validate_los", "kl_base", "Validate Loss")) {
            ApiClient.Answer a = own.api().get(base + typo.replace(" ", "%20"));
            assertThat(a.status()).as(typo + ": " + a.text()).isEqualTo(400);
            assertThat(a.json().path("errors").get(0).path("field").asString()).isEqualTo("metric");
        }
    }

    @Test
    void rulesTakeTheSameNamesAndNameTheRightOneForAnEarlierSpelling() {
        String rules = "/api/v1/projects/" + own.key() + "/alert-rules";
        for (Scalar s : Scalar.values()) {
            ApiClient.Answer a = own.api().json("POST", rules, "{\"name\": \"" + s.wireName() + "\", \"condition\": {\"type\":"
                    + " \"threshold\", \"metric\": \"" + s.wireName() + "\", \"op\": \"above\", \"threshold\": 2}}");
            assertThat(a.status()).as(a.text()).isEqualTo(201);
        }
        for (Scalar s : Scalar.values()) {
            ApiClient.Answer a = own.api().json("POST", rules, "{\"name\": \"old\", \"condition\": {\"type\": \"threshold\","
                    + " \"metric\": \"" + s.oldSpelling() + "\", \"op\": \"above\", \"threshold\": 2}}");
            assertThat(a.status()).as(a.text()).isEqualTo(400);
            assertThat(a.json().path("errors").get(0).path("message").asString()).contains("'" + s.wireName() + "'");
        }
    }

    private JsonNode get(String path) {
        ApiClient.Answer a = own.api().get(path);
        assertThat(a.status()).as(path + ": " + a.text()).isEqualTo(200);
        return a.json();
    }
}
