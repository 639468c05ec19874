package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The findings F2, F3, F7-F11 and F14's settings errors of issue 15, one test each, exactly as the
 * outside test sent them: each used to be a 500 (or a stuck run), each must now be a 400 naming the
 * field, and the service must keep answering for everyone afterwards.
 */
class EdgeFindingsTest extends ServiceTestBase {

    private static final String P = dev.driftwatch.monitor.support.ServiceTest.PROJECT;

    @Test
    void f2NulInStringFieldsAndQueryParametersIsA400NamingTheField() {
        OwnProject own = newProject("f2");
        String run = "/api/v1/projects/" + own.key() + "/runs/r1";
        ObjectNode body = Payloads.run("full", 1000, 1000);
        body.put("name", "bad\u0000name");
        expect400(own.api().putRun(own.key(), "r1", body), "name");
        ObjectNode good = Payloads.run("full", 1000, 1000);
        assertThat(own.api().putRun(own.key(), "r1", good).status()).isEqualTo(201);
        ObjectNode c = Payloads.fullCheckpoint(1, 0.2, 0.3);
        ((ObjectNode) c.get("parameters").get("tensors").get(0)).put("name", "w\u0000");
        expect400(own.api().postCheckpoints(own.key(), "r1", Payloads.batch(c)),
                "checkpoints[0].parameters.tensors[0].name");
        ObjectNode t = Payloads.checkpoint(2, 0.2);
        t.putObject("taskMetrics").put("loss\u0000", 1.0);
        expect400(own.api().postCheckpoints(own.key(), "r1", Payloads.batch(t)), "checkpoints[0].taskMetrics.loss");
        ObjectNode rule = ApiClient.JSON.createObjectNode().put("name", "r\u0000");
        rule.putObject("condition").put("type", "flag");
        expect400(own.api().json("POST", "/api/v1/projects/" + own.key() + "/alert-rules", rule.toString()), "name");
        for (String q : List.of("q", "tag", "method", "status", "baseFingerprint", "probeFingerprint")) {
            expect400(own.api().get("/api/v1/projects/" + own.key() + "/runs?" + q + "=a%00b"), q);
        }
        expect400(own.api().get("/api/v1/projects/" + own.key() + "/alerts?run=%00"), "run");
        expect400(own.api().get(run + "/trajectory?metric=task:%00"), "metric");
        // an encoded NUL in the path is refused by Tomcat itself, before any filter (a 400, not a 500)
        assertThat(own.api().get("/api/v1/projects/" + own.key() + "/runs/a%00b").status()).isEqualTo(400);
        expect400(own.api().get("/api/v1/projects/" + own.key() + "/runs/a%01b"), "path");
        assertThat(countCheckpoints(own.key())).isZero();
        assertThat(own.api().get("/api/v1/projects/" + own.key() + "/runs").status()).isEqualTo(200);
    }

    /**
     * More parameters than the web server takes (an audit's finding: 2,000 form fields were answered "a malformed
     * %-escape"): a 400 naming the limit and its property, for a form and for a query alike.
     */
    @Test
    void moreParametersThanTheWebServerTakesAreA400SayingTheLimit() {
        StringBuilder fields = new StringBuilder("name=x");
        for (int i = 0; i < 1500; i++) {
            fields.append("&channelUrl=u").append(i);
        }
        ApiClient.Answer form = api().withToken(null).send("POST", "/projects/" + P + "/rules",
                "application/x-www-form-urlencoded", fields.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                false);
        assertThat(form.status()).as(form.text()).isEqualTo(400);
        JsonNode error = form.json().get("errors").get(0);
        assertThat(error.get("field").stringValue()).isEqualTo("body");
        assertThat(error.get("message").stringValue()).contains("more than the 1,000 parameters")
                .contains("server.tomcat.max-parameter-count");
        ApiClient.Answer query = api().get("/api/v1/projects/" + P + "/runs?" + "c=1&".repeat(1500) + "c=1");
        assertThat(query.status()).as(query.text()).isEqualTo(400);
        assertThat(query.json().get("errors").get(0).get("field").stringValue()).isEqualTo("query");
        // a malformed escape is still called one
        ApiClient.Answer escape = api().withToken(null).send("POST", "/projects/" + P + "/rules",
                "application/x-www-form-urlencoded", "name=%zz".getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
        assertThat(escape.status()).isEqualTo(400);
        assertThat(escape.text()).contains("malformed %-escape");
    }

    @Test
    void f3AStepBeyondTheChartsIntegerRangeIsA400AndTheRunsListStillAnswers() {
        OwnProject own = newProject("f3");
        assertThat(own.api().putRun(own.key(), "r1", Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        expect400(own.api().postCheckpoints(own.key(), "r1", Payloads.batch(
                Payloads.checkpoint(Long.MAX_VALUE, 0.2))), "checkpoints[0].step");
        expect400(own.api().postCheckpoints(own.key(), "r1", Payloads.batch(
                Payloads.checkpoint(PgLimits.MAX_STEP + 1, 0.2))), "checkpoints[0].step");
        assertThat(own.api().postCheckpoints(own.key(), "r1", Payloads.batch(Payloads.checkpoint(0, 0.1),
                Payloads.checkpoint(PgLimits.MAX_STEP, 0.2))).status()).isEqualTo(200);
        assertThat(own.api().get("/api/v1/projects/" + own.key() + "/runs").status()).isEqualTo(200);
        assertThat(own.api().get("/api/v1/projects/" + own.key() + "/runs/r1/trajectory").status())
                .isEqualTo(200);
    }

    @Test
    void f7TimesPostgresCannotStoreAreA400() {
        OwnProject own = newProject("f7");
        for (String time : List.of("+10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "-4714-01-01T00:00:00Z")) {
            ObjectNode run = Payloads.run("full", 1000, 1000).put("startedAt", time);
            expect400(own.api().putRun(own.key(), "r1", run), "startedAt");
        }
        assertThat(own.api().putRun(own.key(), "r1", Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        for (String time : List.of("+10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "-4714-01-01T00:00:00Z")) {
            ObjectNode c = Payloads.checkpoint(1, 0.1).put("time", time);
            expect400(own.api().postCheckpoints(own.key(), "r1", Payloads.batch(c)), "checkpoints[0].time");
            String end = ApiClient.JSON.createObjectNode().put("status", "finished").put("endedAt", time).toString();
            expect400(own.api().json("POST", "/api/v1/projects/" + own.key() + "/runs/r1/finish", end), "endedAt");
        }
        assertThat(countCheckpoints(own.key())).isZero();
    }

    @Test
    void f8ACountBeyondTheIntegerColumnIsA400() {
        OwnProject own = newProject("f8");
        assertThat(own.api().putRun(own.key(), "r1", Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ObjectNode c = Payloads.checkpoint(1, 0.1);
        ((ObjectNode) c.get("metrics").get("kl_base_ft")).put("count", 2147483648L);
        expect400(own.api().postCheckpoints(own.key(), "r1", Payloads.batch(c)), "checkpoints[0].metrics.kl_base_ft.count");
        assertThat(countCheckpoints(own.key())).isZero();
    }

    @Test
    void f9AThresholdOrRateRuleWithoutAMetricIsA400NamingConditionMetric() {
        OwnProject own = newProject("f9");
        for (String condition : List.of("{\"type\":\"threshold\",\"op\":\"above\",\"threshold\":0.5}",
                "{\"type\":\"rate\",\"op\":\"above\",\"threshold\":0.5,\"window\":3}")) {
            expect400(own.api().json("POST", "/api/v1/projects/" + own.key() + "/alert-rules",
                    "{\"name\":\"no metric\",\"condition\":" + condition + "}"), "condition.metric");
        }
    }

    @Test
    void f10APageWhoseOffsetOverflowsIsA400NamingPage() {
        OwnProject own = newProject("f10");
        expect400(own.api().get("/api/v1/projects/" + own.key() + "/runs?page=21474837&size=100"), "page");
        assertThat(own.api().get("/api/v1/projects/" + own.key() + "/runs?page=21474836&size=100").status())
                .isEqualTo(200);
    }

    @Test
    void f11ALoneSurrogateInATensorNameIsA400AndLaterUploadsStillWork() {
        OwnProject own = newProject("f11");
        assertThat(own.api().putRun(own.key(), "r1", Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ObjectNode c = Payloads.fullCheckpoint(1, 0.2, 0.3);
        ((ObjectNode) c.get("parameters").get("tensors").get(1)).put("name", "layer\ud800");
        String text = c.toString().contains("\ud800") ? c.toString() : c.toString();
        ApiClient.Answer a = own.api().json("POST", "/api/v1/projects/" + own.key() + "/runs/r1/checkpoints",
                "{\"checkpoints\":[" + text.replace("layer\ud800", "layer\\ud800") + "]}");
        expect400(a, "checkpoints[0].parameters.tensors[1].name");
        assertThat(countCheckpoints(own.key())).isZero();
        for (int step = 2; step <= 3; step++) {
            assertThat(own.api().postCheckpoints(own.key(), "r1",
                    Payloads.batch(Payloads.fullCheckpoint(step, 0.2, 0.3))).status()).isEqualTo(200);
        }
        assertThat(countCheckpoints(own.key())).isEqualTo(2);
    }

    @Test
    void f14SettingsErrorsNameTheField() {
        OwnProject own = newProject("f14s");
        String path = "/api/v1/projects/" + own.key() + "/settings";
        expect400(own.api().json("PUT", path, "{\"trainableFractionThreshold\":0.1,\"klThreshold\":\"high\","
                + "\"driftFactor\":3,\"lossTolerance\":0.1}"), "klThreshold");
        expect400(own.api().json("PUT", path, "{\"trainableFractionThreshold\":0.1,\"klThreshold\":0.5,"
                + "\"driftFactor\":3,\"lossTolerance\":0.1,\"surprise\":1}"), "surprise");
        expect400(own.api().json("PUT", path, "{\"trainableFractionThreshold\":0.1,\"klThreshold\":0.5,"
                + "\"driftFactor\":3,\"lossTolerance\":[1]}"), "lossTolerance");
        ApiClient.Answer a = own.api().json("PUT", path, "{\"trainableFractionThreshold\":0.1,");
        expect400(a, "body");
        assertThat(a.text()).doesNotContain("Failed to read request");
    }

    private long countCheckpoints(String projectKey) {
        return jdbc.queryForObject("SELECT count(*) FROM checkpoint c JOIN run r ON r.id = c.run_id"
                + " JOIN project p ON p.id = r.project_id WHERE p.project_key = ?", Long.class, projectKey);
    }

    @Test
    void aNumberTooSmallForADoubleIsA400NamingTheFieldNotAStoredZero() {
        OwnProject own = newProject("tiny");
        String base = "/api/v1/projects/" + own.key();
        assertThat(own.api().putRun(own.key(), "r1", Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        String settingsBefore = own.api().get(base).json().path("flagSettings").toString();
        // Java reads these as 0 (a tree keeps them as decimals, and writes them as they are)
        ObjectNode c = Payloads.checkpoint(1, 0);
        ((ObjectNode) c.get("metrics").get("kl_base_ft")).put("max", new BigDecimal("1e-400"));
        ApiClient.Answer a = own.api().postCheckpoints(own.key(), "r1", Payloads.batch(c));
        expect400(a, "checkpoints[0].metrics.kl_base_ft.max");
        assertThat(a.text()).contains("is too small for a double: 1E-400 is not 0");
        ObjectNode rule = GeneratedBadInputTest.ruleBody().put("name", "tiny");
        ((ObjectNode) rule.get("condition")).put("threshold", new BigDecimal("-2e-324"));
        expect400(own.api().json("POST", base + "/alert-rules", rule.toString()), "condition.threshold");
        String settings = "{\"trainableFractionThreshold\": 0.2, \"klThreshold\": 1e-999999}";
        expect400(own.api().json("PUT", base + "/settings", settings), "klThreshold");
        assertThat(countCheckpoints(own.key())).isZero();
        assertThat(own.api().get(base + "/alert-rules").text()).doesNotContain("tiny");
        assertThat(own.api().get(base).json().path("flagSettings").toString()).isEqualTo(settingsBefore);
        // a subnormal is a number like any other, and a zero written with an exponent is 0
        ObjectNode subnormal = Payloads.checkpoint(1, 0);
        ((ObjectNode) subnormal.get("metrics").get("kl_base_ft")).put("max", new BigDecimal("1e-320"));
        ObjectNode zero = Payloads.checkpoint(2, 0);
        ((ObjectNode) zero.get("metrics").get("kl_base_ft")).put("max", new BigDecimal("0.0e-400"));
        ApiClient.Answer ok = own.api().postCheckpoints(own.key(), "r1", Payloads.batch(subnormal, zero));
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        assertThat(countCheckpoints(own.key())).isEqualTo(2);
    }

    @Test
    void aKeyGivenTwiceIsA400OnEveryJsonBodyNotTheLastOneWins() {
        OwnProject own = newProject("twice");
        String base = "/api/v1/projects/" + own.key();
        String before = own.api().get(base).json().path("flagSettings").toString();
        ApiClient.Answer settings = own.api().json("PUT", base + "/settings", "{\"klThreshold\":0.1,\"klThreshold\":5}");
        assertThat(settings.status()).as(settings.text()).isEqualTo(400);
        assertThat(settings.text()).contains("klThreshold");
        assertThat(own.api().get(base).json().path("flagSettings").toString()).isEqualTo(before);
        String rule = GeneratedBadInputTest.ruleBody().put("name", "twice").toString()
                .replace("\"severity\":\"warning\"", "\"severity\":\"warning\",\"severity\":\"critical\"");
        ApiClient.Answer a = own.api().json("POST", base + "/alert-rules", rule);
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        assertThat(a.text()).contains("severity");
        assertThat(own.api().get(base + "/alert-rules").text()).doesNotContain("twice");
        ApiClient.Answer run = own.api().json("PUT", base + "/runs/r1", Payloads.run("full", 1000, 1000).toString()
                .replace("\"method\":\"full\"", "\"method\":\"full\",\"method\":\"lora\""));
        assertThat(run.status()).as(run.text()).isEqualTo(400);
        assertThat(run.text()).contains("method");
    }

    @Test
    void somethingAfterTheBodyIsA400OnEveryJsonBodyNotIgnored() {
        OwnProject own = newProject("trailing");
        String base = "/api/v1/projects/" + own.key();
        String before = own.api().get(base).json().path("flagSettings").toString();
        // a second document glued on (two PUTs concatenated by a script), and stray text after the object
        for (String tail : List.of(" {\"klThreshold\":5}", "x", "]", " 7")) {
            ApiClient.Answer settings = own.api().json("PUT", base + "/settings", "{\"klThreshold\":0.1}" + tail);
            assertThat(settings.status()).as(tail + ": " + settings.text()).isEqualTo(400);
            assertThat(settings.isProblem()).isTrue();
            String rule = GeneratedBadInputTest.ruleBody().put("name", "trailing").toString() + tail;
            ApiClient.Answer a = own.api().json("POST", base + "/alert-rules", rule);
            assertThat(a.status()).as(tail + ": " + a.text()).isEqualTo(400);
            ApiClient.Answer run = own.api().json("PUT", base + "/runs/r1", Payloads.run("full", 1000, 1000) + tail);
            assertThat(run.status()).as(tail + ": " + run.text()).isEqualTo(400);
        }
        assertThat(own.api().get(base).json().path("flagSettings").toString()).isEqualTo(before);
        assertThat(own.api().get(base + "/alert-rules").text()).doesNotContain("trailing");
        // whitespace after the body is not something
        assertThat(own.api().json("PUT", base + "/settings", "{\"klThreshold\":0.1}\n \t\r\n").status()).isEqualTo(200);
        // -0.0 is within [0, inf] and kept as 0.0 (it was stored, and shown, as -0.0)
        assertThat(own.api().json("PUT", base + "/settings", "{\"klThreshold\":-0.0,\"lossTolerance\":-0e0}").status())
                .isEqualTo(200);
        JsonNode stored = own.api().get(base).json().path("flagSettings");
        assertThat(stored.get("klThreshold").toString()).isEqualTo("0.0");
        assertThat(stored.get("lossTolerance").toString()).isEqualTo("0.0");
    }

    /**
     * A run name of white space alone (an audit's finding: stored, and shown in the UI as a blank link) is a 400;
     * an empty name is refused once, for its length, not twice.
     */
    @Test
    void aRunNameOfWhiteSpaceIsA400AndAnEmptyOneIsRefusedOnce() {
        OwnProject own = newProject("blank-name");
        for (String blank : List.of(" ", " \t\n ", "\r\n")) {
            ObjectNode body = Payloads.run("full", 1000, 1000);
            body.put("name", blank);
            ApiClient.Answer a = own.api().putRun(own.key(), "r1", body);
            expect400(a, "name");
            assertThat(a.text()).contains("must not be all white space");
        }
        ObjectNode empty = Payloads.run("full", 1000, 1000);
        empty.put("name", "");
        ApiClient.Answer a = own.api().putRun(own.key(), "r1", empty);
        expect400(a, "name");
        assertThat(a.json().get("errors")).hasSize(1);
        assertThat(a.text()).contains("must have 1 to 200 characters");
        ObjectNode padded = Payloads.run("full", 1000, 1000);
        padded.put("name", "  a run  ");
        assertThat(own.api().putRun(own.key(), "r1", padded).status()).isEqualTo(201);
        assertThat(own.api().get("/api/v1/projects/" + own.key() + "/runs/r1").json().get("name").stringValue())
                .isEqualTo("  a run  ");
    }

    static void expect400(ApiClient.Answer a, String field) {
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        assertThat(a.isProblem()).as(a.contentType()).isTrue();
        JsonNode body = a.json();
        List<String> fields = new ArrayList<>();
        body.path("errors").forEach(e -> fields.add(e.path("field").asString("")));
        assertThat(fields).as(a.text()).anyMatch(f -> f.startsWith(field));
    }
}
