package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a request sends is what the service works with: a search finds a name typed as shown, counts
 * that each fit an int are summed without wrapping, and a value the database cannot keep exactly is
 * refused rather than rounded.
 */
class StoredAsSentTest extends ServiceTestBase {

    @Test
    void aRunIsFoundByItsNameTypedExactlyAsShown() {
        OwnProject own = newProject("search");
        List<String> names = List.of("ΟΔΟΣ lora", "Été full", "Plain Run");
        for (int i = 0; i < names.size(); i++) {
            ObjectNode run = Payloads.run("full", 1000, 1000);
            run.put("name", names.get(i));
            assertThat(own.api().putRun(own.key(), "r" + i, run).status()).isEqualTo(201);
        }
        // Java folded the search (ΟΔΟΣ to οδος, with a final sigma), PostgreSQL the name (οδοσ, or not at all
        // under LC_CTYPE C): the name exactly as shown found nothing
        for (String q : List.of("ΟΔΟΣ", "ΟΔΟΣ lora", "Été", "Plain", "plain run", "R2")) {
            JsonNode page = own.api().get("/api/v1/projects/" + own.key() + "/runs?q="
                    + URLEncoder.encode(q, StandardCharsets.UTF_8)).json();
            assertThat(page.path("total").asLong()).as(q + ": " + page).isEqualTo(1);
        }
        JsonNode none = own.api().get("/api/v1/projects/" + own.key() + "/runs?q=%25").json();
        assertThat(none.path("total").asLong()).as("a % is a character, not a wildcard").isZero();
    }

    @Test
    void offTaskSliceCountsAreSummedWithoutWrapping() {
        OwnProject own = newProject("counts");
        assertThat(own.api().putRun(own.key(), "r", Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ObjectNode c = ApiClient.JSON.createObjectNode();
        c.put("step", 10);
        c.put("probeCount", 3);
        ObjectNode metrics = c.putObject("metrics");
        metrics.set("kl_base_ft", Payloads.summary(3, 0.2));
        metrics.set("forgetting", Payloads.summary(3, 0.2));
        ArrayNode slices = c.putArray("slices");
        double[] forgetting = {0.1, 0.2, 0.3};
        List<Double> expected = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ObjectNode s = slices.addObject();
            s.put("slice", "off-task/" + (char) ('a' + i));
            s.put("count", Integer.MAX_VALUE); // each an int; their sum is not
            ObjectNode m = s.putObject("metrics");
            m.set("kl_base_ft", Payloads.summary(Integer.MAX_VALUE, 0.2));
            m.set("forgetting", Payloads.summary(Integer.MAX_VALUE, forgetting[i]));
            expected.add(forgetting[i]);
        }
        ApiClient.Answer up = own.api().postCheckpoints(own.key(), "r", Payloads.batch(c));
        assertThat(up.status()).as(up.text()).isEqualTo(200);
        JsonNode observed = own.api().get("/api/v1/projects/" + own.key() + "/runs/r/forgetting").json().path("observed");
        double mean = expected.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(observed.path("forgetting").asDouble()).as(observed.toString()).isCloseTo(mean, within(1e-12));
    }

    @Test
    void aRepeatIntervalWithAFractionOfASecondIsA400NotRounded() {
        OwnProject own = newProject("repeat");
        String rules = "/api/v1/projects/" + own.key() + "/alert-rules";
        for (String repeat : List.of("PT90.5S", "PT1M0.5S", "PT1M0.000000001S")) {
            ObjectNode rule = GeneratedBadInputTest.ruleBody().put("name", "repeat " + repeat).put("repeatInterval", repeat);
            ApiClient.Answer a = own.api().json("POST", rules, rule.toString());
            assertThat(a.status()).as(repeat + ": " + a.text()).isEqualTo(400);
            assertThat(a.text()).contains("repeatInterval");
        }
        ApiClient.Answer ok = own.api().json("POST", rules,
                GeneratedBadInputTest.ruleBody().put("name", "whole").put("repeatInterval", "PT90S").toString());
        assertThat(ok.status()).as(ok.text()).isEqualTo(201);
        assertThat(ok.json().path("repeatInterval").asString()).isEqualTo("PT1M30S");
        assertThat(own.api().get(rules).text()).doesNotContain("repeat PT");
    }

    @Test
    void aRulesTagAndSliceAreKeptAsSentLikeTheRunsTagsAndSlicesTheyMatch() {
        OwnProject own = newProject("edges");
        ObjectNode run = Payloads.run("full", 1000, 1000);
        run.set("tags", ApiClient.JSON.createArrayNode().add("nightly "));
        assertThat(own.api().putRun(own.key(), "r", run).status()).isEqualTo(201);
        ObjectNode rule = GeneratedBadInputTest.ruleBody().put("name", "edges");
        ((ObjectNode) rule.get("scope")).put("tag", "nightly ").remove("run");
        ((ObjectNode) rule.get("condition")).put("slice", " on-task");
        ApiClient.Answer a = own.api().json("POST", "/api/v1/projects/" + own.key() + "/alert-rules", rule.toString());
        assertThat(a.status()).as(a.text()).isEqualTo(201);
        // stripped, the rule could never match the run tagged "nightly " or the slice " on-task"
        assertThat(a.json().path("scope").path("tag").asString()).isEqualTo("nightly ");
        assertThat(a.json().path("condition").path("slice").asString()).isEqualTo(" on-task");
    }
}
