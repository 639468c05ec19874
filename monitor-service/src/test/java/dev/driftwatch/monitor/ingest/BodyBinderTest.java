package dev.driftwatch.monitor.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import dev.driftwatch.monitor.support.Payloads;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link BodyBinder} with the service's kind of validator (Spring's {@link LocalValidatorFactoryBean}):
 * strict JSON types from Jackson, every problem of a body in one answer with its JSON path, sorted and
 * capped; and each custom constraint of {@link IngestConstraints} against hand-computed cases.
 */
class BodyBinderTest {

    private static final LocalValidatorFactoryBean VALIDATOR = validator();
    private static final BodyBinder BINDER = new BodyBinder(VALIDATOR);

    private static LocalValidatorFactoryBean validator() {
        LocalValidatorFactoryBean v = new LocalValidatorFactoryBean();
        v.afterPropertiesSet();
        return v;
    }

    @AfterAll
    static void close() {
        VALIDATOR.close();
    }

    private static List<FieldProblem> problems(JsonNode body, Class<?> type) {
        ApiProblem p = catchThrowableOfType(ApiProblem.class, () -> BINDER.bind(body, type, "r1"));
        assertThat(p).as("refused").isNotNull();
        assertThat(p.getStatus().value()).isEqualTo(400);
        return p.getErrors();
    }

    private static List<FieldProblem> checkpointProblems(ObjectNode checkpoint) {
        return problems(Payloads.batch(Payloads.checkpoint(1, 0.1), checkpoint), IngestBodies.BatchBody.class);
    }

    private static JsonNode json(String text) {
        return ApiClient.JSON.readTree(text);
    }

    private static FieldProblem fp(String field, String message) {
        return new FieldProblem(field, message);
    }

    @Test
    void aGoodBodyBindsInOnePass() {
        IngestBodies.BatchBody b = BINDER.bind(Payloads.batch(Payloads.fullCheckpoint(7, 0.4, 0.5)),
                IngestBodies.BatchBody.class, "r1");
        IngestBodies.CheckpointBody c = b.checkpoints().get(0);
        assertThat(c.step()).isEqualTo(7L);
        assertThat(c.metrics()).containsKeys("kl_base_ft", "kl_ft_base", "js", "tv");
        assertThat(c.parameters().tensors()).hasSize(3);
        assertThat(c.taskMetrics()).containsEntry("validate_loss", 0.5);
    }

    @Test
    void jsonTypesAreStrict() {
        for (String bad : List.of("\"1\"", "true", "2.5", "2.0", "1e2", "9223372036854775808", "{}", "[]")) {
            ObjectNode c = Payloads.checkpoint(2, 0.1);
            c.set("step", json(bad));
            assertThat(checkpointProblems(c)).as(bad).containsExactly(fp("checkpoints[1].step", "must be an integer"));
        }
        for (String bad : List.of("\"0.1\"", "true", "1e400", "-1e400", "[]")) {
            ObjectNode c = Payloads.checkpoint(2, 0.1);
            ((ObjectNode) c.get("metrics").get("kl_base_ft")).set("ciHigh", json(bad));
            assertThat(checkpointProblems(c)).as(bad)
                    .containsExactly(fp("checkpoints[1].metrics.kl_base_ft.ciHigh", "must be a finite number"));
        }
        for (String bad : List.of("12", "1.5", "false", "[]", "{}")) {
            ObjectNode c = Payloads.checkpoint(2, 0.1);
            c.set("approximation", json(bad));
            assertThat(checkpointProblems(c)).as(bad)
                    .containsExactly(fp("checkpoints[1].approximation", "must be a string"));
        }
        for (String bad : List.of("\"true\"", "1", "0")) {
            ObjectNode c = Payloads.checkpoint(2, 0.1);
            c.set("valid", json(bad));
            assertThat(checkpointProblems(c)).as(bad).containsExactly(fp("checkpoints[1].valid", "must be true or false"));
        }
        ObjectNode c = Payloads.checkpoint(2, 0.1);
        c.set("metrics", json("[]"));
        c.set("slices", json("{}"));
        assertThat(checkpointProblems(c)).containsExactly(fp("checkpoints[1].metrics", "must be an object"),
                fp("checkpoints[1].slices", "must be an array"));
        assertThat(problems(json("[1]"), IngestBodies.BatchBody.class)).containsExactly(fp("body", "must be an object"));
        assertThat(problems(json("null"), IngestBodies.BatchBody.class)).containsExactly(fp("body", "must be an object"));
        assertThat(problems(json("{\"checkpoints\": [1, null]}"), IngestBodies.BatchBody.class))
                .containsExactly(fp("checkpoints[0]", "must be an object"), fp("checkpoints[1]", "must be an object"));
    }

    @Test
    void everyProblemOfTheBodyInOneAnswerByPathSorted() {
        ObjectNode batch = Payloads.batch(Payloads.checkpoint(1, 0.1));
        ArrayNode all = (ArrayNode) batch.get("checkpoints");
        for (int i = 1; i <= 10; i++) {
            all.add(Payloads.checkpoint(i + 1, 0.1));
        }
        ((ObjectNode) all.get(10)).put("step", -1);
        ((ObjectNode) all.get(2)).put("epoch", "3");
        ((ObjectNode) all.get(2).get("metrics").get("kl_base_ft")).put("mean", -0.5).put("p50", 9.0);
        ((ObjectNode) all.get(2)).remove("probeCount");
        assertThat(problems(batch, IngestBodies.BatchBody.class)).containsExactly(
                fp("checkpoints[2].epoch", "must be an integer"),
                fp("checkpoints[2].metrics.kl_base_ft.ciLow", "must satisfy ciLow <= mean <= ciHigh"),
                fp("checkpoints[2].metrics.kl_base_ft.mean", "must be a finite number >= 0"),
                fp("checkpoints[2].metrics.kl_base_ft.p50", "must satisfy p50 <= p90 <= p99 <= max"),
                fp("checkpoints[2].probeCount", "is required"),
                fp("checkpoints[10].step", "must be an integer in [0, 9007199254740991]"));
    }

    @Test
    void problemsAreCappedAtAHundred() {
        ObjectNode batch = Payloads.batch();
        for (int i = 0; i < 150; i++) {
            ((ArrayNode) batch.get("checkpoints")).add(Payloads.checkpoint(i, 0.1).put("step", "x"));
        }
        List<FieldProblem> p = problems(batch, IngestBodies.BatchBody.class);
        assertThat(p).hasSize(BodyBinder.MAX_PROBLEMS);
        assertThat(p.get(99).field()).isEqualTo("checkpoints[99].step");
    }

    @Test
    void aKnownMetricIsCheckedAgainstItsRangeAnUnknownOneIsNot() {
        ObjectNode c = Payloads.checkpoint(2, 0.1);
        ObjectNode metrics = (ObjectNode) c.get("metrics");
        // JS in [0, ln 2 = 0.6931]: mean 0.3 gives max 0.75 and p99 0.6, ciHigh 0.33
        metrics.set("js", Payloads.summary(10, 0.3));
        // a newer plugin's metric may be negative: no range, only the order of its statistics
        metrics.set("kl_newer_metric", json("{\"count\": 10, \"mean\": -0.5, \"p50\": -0.6, \"p90\": -0.5,"
                + " \"p99\": -0.4, \"max\": -0.3, \"ciLow\": -0.55, \"ciHigh\": -0.45}"));
        metrics.set("kl_newest", Payloads.summary(10, 0.1).put("p50", 0.2)); // above p90 0.15
        metrics.set("KL-wrong", Payloads.summary(10, 0.1));
        assertThat(checkpointProblems(c)).containsExactly(
                fp("checkpoints[1].metrics.KL-wrong", "is not a metric name ([a-z][a-z0-9_]{0,63})"),
                fp("checkpoints[1].metrics.js.max", "must be <= ln 2"),
                fp("checkpoints[1].metrics.kl_newest.p50", "must satisfy p50 <= p90 <= p99 <= max"));
    }

    @Test
    void summaryOrderAllowsTheRoundingSlack() {
        ObjectNode c = Payloads.checkpoint(2, 0.1);
        ObjectNode s = (ObjectNode) c.get("metrics").get("kl_base_ft");
        s.put("p90", 0.15).put("p50", 0.15 * (1 + 5e-10)).put("ciLow", 0.1 * (1 + 5e-10));
        BINDER.bind(Payloads.batch(c), IngestBodies.BatchBody.class, "r1");
        s.put("p50", 0.15 * (1 + 2e-9));
        assertThat(checkpointProblems(c)).containsExactly(
                fp("checkpoints[1].metrics.kl_base_ft.p50", "must satisfy p50 <= p90 <= p99 <= max"));
    }

    @Test
    void aValidCheckpointCarriesItsHeadlineAndProbesAnInvalidOneItsReason() {
        ObjectNode c = Payloads.checkpoint(2, 0.1);
        ((ObjectNode) c.get("metrics")).remove("kl_base_ft");
        c.put("probeCount", 0);
        assertThat(checkpointProblems(c)).containsExactly(
                fp("checkpoints[1].metrics.kl_base_ft", "is required when valid"),
                fp("checkpoints[1].probeCount", "must be an integer in [1, 2147483647]"));
        c.put("valid", false);
        assertThat(checkpointProblems(c)).containsExactly(fp("checkpoints[1].invalidReason", "is required"));
        c.put("invalidReason", "NaN in the logits");
        c.remove("metrics");
        BINDER.bind(Payloads.batch(c), IngestBodies.BatchBody.class, "r1");
        c.put("valid", true).put("probeCount", 5);
        assertThat(checkpointProblems(c)).containsExactly(fp("checkpoints[1].metrics", "is required"));
    }

    @Test
    void namesAreUniqueAndTrainableWithinTotal() {
        ObjectNode c = Payloads.fullCheckpoint(2, 0.4, 0.5);
        ((ObjectNode) c.get("slices").get(1)).put("slice", "on-task");
        ((ObjectNode) c.get("parameters").get("tensors").get(2)).put("name", "00Linear_weight");
        ((ObjectNode) c.get("parameters")).put("trainableParameters", 109387);
        assertThat(checkpointProblems(c)).containsExactly(
                fp("checkpoints[1].parameters.tensors[2].name", "must be unique within the checkpoint"),
                fp("checkpoints[1].parameters.trainableParameters", "must be <= totalParameters"),
                fp("checkpoints[1].slices[1].slice", "must be unique within the checkpoint"));
        ((ObjectNode) c.get("parameters")).put("trainableParameters", 109386); // equal is fine
        assertThat(checkpointProblems(c)).hasSize(2);
    }

    @Test
    void tokenDriftCrossReferences() {
        ObjectNode c = Payloads.checkpoint(2, 0.1);
        ObjectNode top = c.putArray("topExamples").addObject().put("probeId", "p").put("slice", "s")
                .put("metric", "kl_base_ft").put("value", 0.2);
        ObjectNode tokens = top.putObject("tokens");
        tokens.putArray("tokens").add("a").add("b").add("c");
        tokens.putArray("kl").add(0.1).addNull().add(0.3);
        ArrayNode worst = tokens.putArray("worst");
        worst.addObject().put("index", 2).put("kl", 0.3).putArray("fineTuned").addObject().put("token", "x")
                .put("fineTuned", 1.0000000005); // rounding above 1 is a probability
        BINDER.bind(Payloads.batch(c), IngestBodies.BatchBody.class, "r1");
        worst.addObject().put("index", 1).put("kl", 0.1);
        worst.addObject().put("index", 3).put("kl", 0.1).putArray("base").addObject().put("token", "y")
                .put("base", 1.1).put("fineTuned", -0.1);
        String p = "checkpoints[1].topExamples[0].tokens.";
        assertThat(checkpointProblems(c)).containsExactly(
                fp(p + "worst[1].index", "must point at a scored token"),
                fp(p + "worst[2].base[0].base", "must be a probability in [0, 1]"),
                fp(p + "worst[2].base[0].fineTuned", "must be a probability in [0, 1]"),
                fp(p + "worst[2].index", "must be an integer in [0, 2]"));
        ((ArrayNode) tokens.get("kl")).add(0.4);
        assertThat(checkpointProblems(c)).contains(fp(p + "kl", "must hold one value per token (3)"));
    }

    @Test
    void timesAreRfc3339AndStorable() {
        for (String[] t : new String[][] {{"2026-11-27T08:00:00", "must be an RFC 3339 time such as 2026-11-27T08:00:00Z"},
                {"yesterday", "must be an RFC 3339 time such as 2026-11-27T08:00:00Z"},
                {"0000-12-31T23:00:00Z", "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z"},
                {"+10000-01-01T00:00:00Z", "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z"}}) {
            ObjectNode c = Payloads.checkpoint(2, 0.1).put("time", t[0]);
            assertThat(checkpointProblems(c)).as(t[0]).containsExactly(fp("checkpoints[1].time", t[1]));
        }
        BINDER.bind(Payloads.batch(Payloads.checkpoint(2, 0.1).put("time", "2026-11-27T09:00:00+01:00")),
                IngestBodies.BatchBody.class, "r1");
    }

    @Test
    void runAndEndBodies() {
        ObjectNode run = Payloads.run("qlora", 10, 11);
        run.put("runKey", "r2").put("baseFingerprint", "A".repeat(64)).put("probeFingerprint", "abc");
        run.putObject("config").put("k", 1);
        assertThat(problems(run, IngestBodies.RunBody.class)).containsExactly(
                fp("baseFingerprint", "must be 64 lower-case hex characters (SHA-256)"),
                fp("config.k", "must be a string"),
                fp("method", "must be one of full, head, adapter, lora, other"),
                fp("probeFingerprint", "must be 64 lower-case hex characters (SHA-256)"),
                fp("runKey", "must equal the run key of the path"),
                fp("trainableParameters", "must be <= totalParameters"));
        assertThat(problems(json("{\"status\": \"exploded\", \"endedAt\": \"\"}"), IngestBodies.RunEndBody.class))
                .containsExactly(fp("endedAt", "must be an RFC 3339 time such as 2026-11-27T08:00:00Z"),
                        fp("endedAt", "must have 1 to 64 characters"),
                        fp("status", "must be one of completed, failed, stopped"));
    }
}
