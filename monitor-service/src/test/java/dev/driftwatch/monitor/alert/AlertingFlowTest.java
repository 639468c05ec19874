package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.monitor.alert.notify.WebhookSigner;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Rules through the API, evaluation on ingest, and notifications to a real HTTP receiver. */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class AlertingFlowTest extends AlertTestBase {

    private static final Duration QUIET = Duration.ofMillis(800);
    private static final String ABOVE_HALF =
            "{\"type\": \"threshold\", \"metric\": \"kl_base_ft\", \"op\": \"above\", \"threshold\": 0.5}";

    private List<String> kinds(String path) {
        return receiver.on(path).stream().map(r -> ApiClient.JSON.readTree(r.body()).get("kind").stringValue()).toList();
    }

    private JsonNode alerts(String query) {
        ApiClient.Answer a = api().get(alertsPath() + query);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return a.json();
    }

    @Test
    void firesAfterForCheckpointsDeliversSignedWebhookAndResolvesOnce() {
        String run = unique("fire");
        createRun(run, "t");
        JsonNode rule = createRule(thresholdRule(run, "/fire", 0.5, 2));
        upload(run, 10, 0.6);
        assertThat(alerts("?run=" + run).get(0).get("state").stringValue()).isEqualTo("pending");
        upload(run, 20, 0.7);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/fire").size() == 1);
        upload(run, 30, 0.8); // stays firing: no second notification
        upload(run, 40, 0.3);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/fire").size() == 2);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> receiver.on("/fire").size() == 2);
        assertThat(kinds("/fire")).containsExactly("firing", "resolved");

        WebhookReceiver.Received firing = receiver.on("/fire").get(0);
        assertThat(firing.headers().get("x-driftwatch-signature-256")).isEqualTo(
                WebhookSigner.sign(AlertTest.SECRET, firing.body().getBytes(StandardCharsets.UTF_8)));
        assertThat(firing.headers().get("x-driftwatch-event")).isEqualTo("firing");
        JsonNode body = ApiClient.JSON.readTree(firing.body());
        assertThat(body.get("schema").stringValue()).isEqualTo("driftwatch.alert/v1");
        assertThat(body.get("deliveryId").stringValue()).isEqualTo(firing.headers().get("x-driftwatch-delivery"));
        JsonNode alert = body.get("alert");
        assertThat(alert.get("state").stringValue()).isEqualTo("firing");
        assertThat(alert.get("run").stringValue()).isEqualTo(run);
        assertThat(alert.get("project").stringValue()).isEqualTo(AlertTest.PROJECT);
        assertThat(alert.get("rule").get("id").longValue()).isEqualTo(rule.get("id").longValue());
        assertThat(alert.get("step").longValue()).isEqualTo(20);
        assertThat(alert.get("value").doubleValue()).isEqualTo(0.7);
        assertThat(alert.get("condition").stringValue()).isEqualTo("kl_base_ft mean > 0.5000 for 2 checkpoints");
        JsonNode resolved = ApiClient.JSON.readTree(receiver.on("/fire").get(1).body()).get("alert");
        assertThat(resolved.get("state").stringValue()).isEqualTo("resolved");
        assertThat(resolved.get("step").longValue()).isEqualTo(40);
        assertThat(resolved.get("resolvedAt").isNull()).isFalse();

        assertThat(alerts("?run=" + run)).isEmpty(); // nothing open
        JsonNode history = alerts("?state=all&run=" + run);
        assertThat(history).hasSize(1);
        JsonNode detail = api().get(alertsPath() + "/" + history.get(0).get("id").longValue()).json();
        assertThat(detail.get("transitions").findValuesAsString("state"))
                .containsExactly("pending", "firing", "resolved");
        assertThat(detail.get("notifications").findValuesAsString("status")).containsExactly("delivered", "delivered");
    }

    /**
     * A new run that a threshold rule watches (KL mean above 0.5 for {@code forCount} checkpoints, notifying
     * {@code /name}), with one batch of checkpoints uploaded to it.
     */
    private String watchedRunWithBatch(String name, int forCount, ObjectNode... checkpoints) {
        String run = unique(name);
        createRun(run, "t");
        createRule(thresholdRule(run, "/" + name, 0.5, forCount));
        ApiClient.Answer a = api().postCheckpoints(AlertTest.PROJECT, run, Payloads.batch(checkpoints));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return run;
    }

    /** The history a page at a time: before=<the last id of a page> answers the episodes older than it. */
    @Test
    void theHistoryIsPagedByTheLastIdOfAPage() {
        String run = watchedRunWithBatch("paged", 1, Payloads.checkpoint(10, 0.9), Payloads.checkpoint(20, 0.1),
                Payloads.checkpoint(30, 0.9), Payloads.checkpoint(40, 0.1), Payloads.checkpoint(50, 0.9));
        JsonNode all = alerts("?state=all&run=" + run);
        assertThat(all).hasSize(3);
        JsonNode first = alerts("?state=all&limit=2&run=" + run);
        assertThat(first.findValues("id")).extracting(JsonNode::longValue)
                .containsExactly(all.get(0).get("id").longValue(), all.get(1).get("id").longValue());
        JsonNode next = alerts("?state=all&limit=2&run=" + run + "&before=" + first.get(1).get("id").longValue());
        assertThat(next.findValues("id")).extracting(JsonNode::longValue).containsExactly(all.get(2).get("id").longValue());
        assertThat(next.get(0).get("startedStep").longValue()).isEqualTo(10);
        assertThat(alerts("?state=all&run=" + run + "&before=" + all.get(2).get("id").longValue())).isEmpty();
    }

    @Test
    void oneOutOfOrderBatchIsEvaluatedInStepOrder() {
        String run = watchedRunWithBatch("batch", 3, Payloads.checkpoint(30, 0.9), Payloads.checkpoint(10, 0.9),
                Payloads.checkpoint(20, 0.9), Payloads.checkpoint(50, 0.1), Payloads.checkpoint(40, 0.9));
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/batch").size() == 2);
        assertThat(kinds("/batch")).containsExactly("firing", "resolved");
        assertThat(receiver.on("/batch").stream().map(r -> ApiClient.JSON.readTree(r.body()).get("alert").get("step")
                .longValue()).toList()).containsExactly(30L, 50L);
        JsonNode alert = alerts("?state=all&run=" + run).get(0);
        assertThat(alert.get("startedStep").longValue()).isEqualTo(10);
        assertThat(alert.get("lastStep").longValue()).isEqualTo(50);
        assertThat(alert.get("consecutive").intValue()).isEqualTo(4);
        JsonNode detail = api().get(alertsPath() + "/" + alert.get("id").longValue()).json();
        assertThat(detail.get("transitions").findValues("step")).extracting(JsonNode::longValue)
                .containsExactly(10L, 30L, 50L);
    }

    @Test
    void aRuleStoredWithAnIntervalBeyondTimeItselfNeverBlocksAnUpload() {
        // PT99999999999999H, accepted before intervals were bounded and still in such a database: once the rule
        // fired, every later upload of the runs it watched failed with a 500 (Instant overflow), and was lost
        String run = unique("repeat-huge");
        createRun(run, "t");
        long id = createRule(thresholdRule(run, "/repeat-huge", 0.5, 1)).get("id").asLong();
        jdbc.update("UPDATE alert_rule SET repeat_seconds = ? WHERE id = ?",
                Duration.parse("PT99999999999999H").toSeconds(), id);
        upload(run, 10, 0.6); // fires (each upload asserts its 200)
        upload(run, 20, 0.7); // still firing: would it repeat? (never: the interval is not over)
        upload(run, 30, 0.8);
        JsonNode history = alerts("?state=all&run=" + run);
        assertThat(history).hasSize(1);
        assertThat(history.get(0).get("state").stringValue()).isEqualTo("firing");
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/repeat-huge").size() == 1);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> receiver.on("/repeat-huge").size() == 1);
    }

    @Test
    void pendingNeverNotifies() {
        String run = unique("pending");
        createRun(run, "t");
        createRule(thresholdRule(run, "/pending", 0.5, 3));
        upload(run, 10, 0.6);
        upload(run, 20, 0.6);
        upload(run, 30, 0.2);
        JsonNode history = alerts("?state=all&run=" + run);
        assertThat(history).hasSize(1);
        assertThat(history.get(0).get("state").stringValue()).isEqualTo("cleared");
        assertThat(notifications(run, "pending") + notifications(run, "delivered")).isZero();
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> receiver.on("/pending").isEmpty());
    }

    @Test
    void flappingMetricOnlyFiresOnAStreakAndNotifiesEachChangeOnce() {
        String run = unique("flap");
        createRun(run, "t");
        createRule(thresholdRule(run, "/flap", 0.5, 2));
        double[] values = {0.6, 0.4, 0.7, 0.3, 0.8, 0.2, 0.9, 0.9, 0.1, 0.6, 0.4};
        for (int i = 0; i < values.length; i++) {
            upload(run, 10L * (i + 1), values[i]);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/flap").size() == 2);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> receiver.on("/flap").size() == 2);
        assertThat(kinds("/flap")).containsExactly("firing", "resolved");
        assertThat(alerts("?state=all&run=" + run).findValuesAsString("state"))
                .containsExactly("cleared", "resolved", "cleared", "cleared", "cleared");
    }

    @Test
    void keepFiringForRidesOutAFlickeringMetricAndResolvesOnceItStaysBelow() {
        String run = unique("keep");
        createRun(run, "t");
        createRule("""
                {"name": "KL high, patient", "scope": {"run": "%s"}, "keepFiringFor": 3, "channels": %s,
                 "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5}}
                """.formatted(run, webhook("/keep")));
        // above, dips of one and two checkpoints (still firing), then three below: resolved once
        double[] values = {0.6, 0.4, 0.7, 0.3, 0.2, 0.8, 0.1, 0.1, 0.1, 0.1};
        for (int i = 0; i < values.length; i++) {
            upload(run, 10L * (i + 1), values[i]);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/keep").size() == 2);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> receiver.on("/keep").size() == 2);
        assertThat(kinds("/keep")).containsExactly("firing", "resolved");
        assertThat(alerts("?state=all&run=" + run).findValuesAsString("state")).containsExactly("resolved");
        assertThat(alerts("?state=all&run=" + run).get(0).get("lastStep").longValue()).isEqualTo(90);
    }

    @Test
    void receiverAnswering500ThenOkGetsTheNotificationOnce() {
        String run = unique("retry");
        createRun(run, "t");
        receiver.script("/retry", 500, 503);
        createRule(thresholdRule(run, "/retry", 0.5, 1));
        upload(run, 10, 0.9);
        await().atMost(Duration.ofSeconds(15)).until(() -> notifications(run, "delivered") == 1);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> receiver.on("/retry").size() == 3);
        List<WebhookReceiver.Received> got = receiver.on("/retry");
        assertThat(got).extracting(WebhookReceiver.Received::status).containsExactly(500, 503, 200);
        assertThat(got).extracting(r -> r.headers().get("x-driftwatch-delivery")).containsOnly(
                got.get(0).headers().get("x-driftwatch-delivery"));
        assertThat(attemptOutcomes(run)).containsExactly("retry", "retry", "delivered");
        assertThat(attemptStatuses(run)).containsExactly(500, 503, 200);
    }

    @Test
    void receiverAnswering400IsRecordedAsFailedAndNotRetried() {
        String run = unique("perm");
        createRun(run, "t");
        receiver.script("/perm", 400);
        createRule(thresholdRule(run, "/perm", 0.5, 1));
        upload(run, 10, 0.9);
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications(run, "failed") == 1);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> receiver.on("/perm").size() == 1);
        assertThat(attemptOutcomes(run)).containsExactly("failed");
        String error = jdbc.queryForObject("SELECT n.last_error FROM notification n JOIN alert a ON a.id = n.alert_id"
                + " JOIN run r ON r.id = a.run_id WHERE r.run_key = ?", String.class, run);
        assertThat(error).startsWith("HTTP 400");
    }

    @Test
    void unreachableReceiverIsRetriedWithBackoffThenRecordedAsFailed() throws Exception {
        String run = unique("down");
        createRun(run, "t");
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        createRule(rule(run, "down", ABOVE_HALF, 1,
                "[{\"type\": \"webhook\", \"url\": \"http://127.0.0.1:" + closedPort + "/x\"}]"));
        upload(run, 10, 0.9);
        await().atMost(Duration.ofSeconds(20)).until(() -> notifications(run, "failed") == 1);
        // max-attempts=4 in the tests: three retries, the fourth failure is final
        assertThat(attemptOutcomes(run)).containsExactly("retry", "retry", "retry", "failed");
        List<java.sql.Timestamp> at = attempts(run, "at", java.sql.Timestamp.class);
        long firstGap = at.get(1).getTime() - at.get(0).getTime();
        long lastGap = at.get(3).getTime() - at.get(2).getTime();
        assertThat(lastGap).as("backoff grows").isGreaterThan(firstGap);
    }

    @Test
    void slackAndLogChannels() {
        String run = unique("slack");
        createRun(run, "t");
        createRule(rule(run, "to slack", ABOVE_HALF, 1, "[{\"type\": \"slack\", \"url\": \""
                + receiver.url("/slack") + "\"}, {\"type\": \"log\"}]"));
        upload(run, 10, 0.9);
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications(run, "delivered") == 2);
        WebhookReceiver.Received slack = receiver.on("/slack").get(0);
        JsonNode body = ApiClient.JSON.readTree(slack.body());
        assertThat(body.properties()).hasSize(1);
        assertThat(body.get("text").stringValue()).startsWith("*[FIRING]* *to slack* (warning)").contains(run);
        assertThat(slack.headers()).doesNotContainKey("x-driftwatch-signature-256");
    }

    @Test
    void slackAndLogLinesShowWhatUsersNamedAsText(CapturedOutput output) {
        String run = unique("slack-names");
        createRun(run, "t");
        // a mention, a disguised link and a forged second log line, all in one rule name
        createRule(rule(run, "<!channel> & <https://example.invalid|docs>\\n[FIRING] forged", ABOVE_HALF, 1,
                "[{\"type\": \"slack\", \"url\": \"" + receiver.url("/slack-names") + "\"}, {\"type\": \"log\"}]"));
        upload(run, 10, 0.9);
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications(run, "delivered") == 2);
        String text = ApiClient.JSON.readTree(receiver.on("/slack-names").get(0).body()).get("text").stringValue();
        assertThat(text).startsWith("*[FIRING]* *&lt;!channel&gt; &amp; &lt;https://example.invalid|docs&gt;\n"
                + "[FIRING] forged*").doesNotContain("<", ">");
        await().atMost(Duration.ofSeconds(5)).until(() -> output.getAll().contains(run));
        List<String> logLines = output.getAll().lines().filter(l -> l.contains("[FIRING] <!channel>")).toList();
        assertThat(logLines).anySatisfy(l -> assertThat(l)
                .contains("[FIRING] <!channel> & <https://example.invalid|docs>\\u000a[FIRING] forged").contains(run));
        assertThat(output.getAll().lines()).noneMatch(l -> l.startsWith("[FIRING] forged"));
    }

    @Test
    void slackSettingsShapeTheMessage() {
        String run = unique("slack-settings");
        createRun(run, "t");
        createRule(rule(run, "to a slack channel", ABOVE_HALF, 1, "[{\"type\": \"slack\", \"url\": \""
                + receiver.url("/slack-settings") + "\", \"settings\": {\"channel\": \"#ml-alerts\", "
                + "\"username\": \"driftwatch\"}}]"));
        upload(run, 10, 0.9);
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications(run, "delivered") == 1);
        JsonNode body = ApiClient.JSON.readTree(receiver.on("/slack-settings").get(0).body());
        assertThat(body.get("channel").stringValue()).isEqualTo("#ml-alerts");
        assertThat(body.get("username").stringValue()).isEqualTo("driftwatch");
        assertThat(body.get("text").stringValue()).startsWith("*[FIRING]* *to a slack channel*");
    }

    @Test
    void ciAwareRuleWaitsForTheLowerBound() {
        String run = unique("ci");
        createRun(run, "t");
        createRule(rule(run, "confidently high", """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5, "ciAware": true}""",
                1, webhook("/ci")));
        upload(run, 10, 0.52); // CI [0.468, 0.572]: mean above, lower bound not
        assertThat(alerts("?state=all&run=" + run)).isEmpty();
        upload(run, 20, 0.6); // CI [0.54, 0.66]
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/ci").size() == 1);
        JsonNode alert = ApiClient.JSON.readTree(receiver.on("/ci").get(0).body()).get("alert");
        assertThat(alert.get("value").doubleValue()).isEqualTo(0.54, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void rateRuleUsesTheStoredWindowAndIgnoresLateCheckpoints() {
        String run = unique("rate");
        createRun(run, "t");
        createRule(rule(run, "rising", """
                {"type": "rate", "metric": "kl_base_ft", "op": "above", "threshold": 0.2, "window": 3}""",
                1, webhook("/rate")));
        upload(run, 10, 0.10);
        upload(run, 20, 0.15);
        upload(run, 30, 0.20); // +0.10 over the window
        assertThat(alerts("?state=all&run=" + run)).isEmpty();
        upload(run, 40, 0.45); // +0.30 since step 20
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/rate").size() == 1);
        upload(run, 35, 0.0); // late: stored, but does not move the alert
        JsonNode open = alerts("?run=" + run);
        assertThat(open).hasSize(1);
        assertThat(open.get(0).get("state").stringValue()).isEqualTo("firing");
        assertThat(open.get(0).get("lastStep").longValue()).isEqualTo(40);
        upload(run, 50, 0.46); // window 35, 40, 50: +0.46 since the late step 35, still firing
        upload(run, 60, 0.47); // window 40, 50, 60: +0.02
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/rate").size() == 2);
        assertThat(kinds("/rate")).containsExactly("firing", "resolved");
    }

    @Test
    void offTaskRuleAlertsPerSlice() {
        String run = unique("offtask");
        createRun(run, "t");
        createRule(rule(run, "off-task drift", "{\"type\": \"off_task\", \"threshold\": 0.5}", 1, webhook("/off")));
        upload(run, 10, 1.0, Map.of("on-task", 2.0, "off-task/general", 0.2, "off-task/safety", 0.9));
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/off").size() == 1);
        JsonNode open = alerts("?run=" + run);
        assertThat(open).hasSize(1);
        assertThat(open.get(0).get("slice").stringValue()).isEqualTo("off-task/safety");
        assertThat(ApiClient.JSON.readTree(receiver.on("/off").get(0).body()).get("alert").get("slice").stringValue())
                .isEqualTo("off-task/safety");
    }

    @Test
    void concentratedDriftRule() {
        String run = unique("conc");
        createRun(run, "t");
        createRule(rule(run, "one slice", "{\"type\": \"concentrated\", \"factor\": 2.0}", 1,
                "[{\"type\": \"log\"}]"));
        upload(run, 10, 0.5, Map.of("a", 0.5, "b", 0.6, "c", 0.55));
        assertThat(alerts("?state=all&run=" + run)).isEmpty();
        upload(run, 20, 0.5, Map.of("a", 0.1, "b", 0.1, "c", 1.0));
        JsonNode open = alerts("?run=" + run);
        assertThat(open).hasSize(1);
        assertThat(open.get(0).get("summary").stringValue()).contains("slice c");
    }

    @Test
    void flagRuleFiresWhenTheRunIsParameterHeavyAndDriftsFar() {
        String run = unique("flag");
        createRun(run, "t"); // trainable fraction 1.0: parameter-heavy
        createRule(rule(run, "heavy and drifting", "{\"type\": \"flag\"}", 1, webhook("/flag")));
        upload(run, 10, 0.3); // lower CI bound 0.27 < the project's 0.5: not drifting far
        assertThat(alerts("?state=all&run=" + run)).isEmpty();
        upload(run, 20, 0.8); // lower CI bound 0.72
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/flag").size() == 1);
    }

    @Test
    void changingAFiringRuleResolvesItsAlert() {
        String run = unique("change");
        createRun(run, "t");
        JsonNode rule = createRule(thresholdRule(run, "/change", 0.5, 1));
        upload(run, 10, 0.9);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/change").size() == 1);
        ApiClient.Answer put = api().json("PUT", rulesPath() + "/" + rule.get("id").longValue(),
                thresholdRule(run, "/change", 2.0, 1));
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/change").size() == 2);
        assertThat(kinds("/change")).containsExactly("firing", "resolved");
        upload(run, 20, 0.9); // below the new threshold
        assertThat(alerts("?run=" + run)).isEmpty();
    }

    @Test
    void anEndedRunsAlertsEndWithItLeaveTheFiringGaugeAndSayWhy() {
        String run = unique("ended");
        createRun(run, "t");
        JsonNode firingRule = createRule(thresholdRule(run, "/ended", 0.5, 1));
        createRule(rule(run, "pending " + run, ABOVE_HALF, 5, webhook("/ended-pending")));
        upload(run, 10, 0.9);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/ended").size() == 1);
        assertThat(alerts("?run=" + run).findValuesAsString("state")).containsExactlyInAnyOrder("firing", "pending");
        double firingBefore = awaitFiringGauge(n -> n >= 1);

        ApiClient.Answer finish = api().json("POST", "/api/v1/projects/" + AlertTest.PROJECT + "/runs/" + run + "/finish",
                "{\"status\": \"completed\"}");
        assertThat(finish.status()).as(finish.text()).isEqualTo(200);

        // firing resolves and notifies once, pending clears silently; nothing of the run is open
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/ended").size() == 2);
        assertThat(kinds("/ended")).containsExactly("firing", "resolved");
        assertThat(receiver.on("/ended-pending")).isEmpty();
        assertThat(alerts("?run=" + run)).isEmpty();
        JsonNode history = alerts("?state=all&run=" + run);
        assertThat(history.findValuesAsString("state")).containsExactlyInAnyOrder("resolved", "cleared");
        for (JsonNode episode : history) {
            JsonNode detail = api().get(alertsPath() + "/" + episode.get("id").longValue()).json();
            JsonNode last = detail.get("transitions").get(detail.get("transitions").size() - 1);
            assertThat(last.get("note").stringValue()).isEqualTo("run ended (completed)");
            assertThat(detail.get("alert").get("summary").stringValue()).endsWith("(run ended (completed))");
        }
        awaitFiringGauge(n -> n == firingBefore - 1);

        // a late checkpoint of the ended run opens nothing; changing the rule sends nothing for it
        upload(run, 20, 0.95);
        assertThat(alerts("?run=" + run)).isEmpty();
        ApiClient.Answer put = api().json("PUT", rulesPath() + "/" + firingRule.get("id").longValue(),
                thresholdRule(run, "/ended", 0.4, 1));
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> receiver.on("/ended").size() == 2);
        assertThat(alerts("?state=all&run=" + run)).hasSize(2);
    }

    @Test
    void theAlertListCountsTheNotificationsTheDetailShows() {
        String run = unique("counts");
        createRun(run, "t");
        createRule(rule(run, "two channels", ABOVE_HALF, 1, "[{\"type\": \"webhook\", \"url\": \""
                + receiver.url("/counts") + "\"}, {\"type\": \"log\"}]"));
        upload(run, 10, 0.9); // fires: one event, one notification per channel
        upload(run, 20, 0.1); // resolves: again one per channel
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications(run, "delivered") == 4);
        JsonNode listed = alerts("?state=all&run=" + run).get(0);
        JsonNode detail = api().get(alertsPath() + "/" + listed.get("id").longValue()).json();
        assertThat(detail.get("notifications")).hasSize(4);
        assertThat(listed.get("notifications").intValue()).isEqualTo(detail.get("notifications").size());
        assertThat(listed.get("delivered").intValue()).isEqualTo(
                detail.get("notifications").findValuesAsString("status").stream().filter("delivered"::equals).count());
        assertThat(detail.get("alert").get("notifications").intValue()).isEqualTo(4);
    }

    /** Waits until driftwatch_alerts_firing satisfies the test, and returns it. */
    private double awaitFiringGauge(java.util.function.DoublePredicate test) {
        double[] seen = new double[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^driftwatch_alerts_firing(?:\\{[^}]*})? (\\S+)$")
                    .matcher(api().withToken(AlertTest.SCRAPE_TOKEN).get("/actuator/prometheus").text());
            if (!m.find()) {
                return false;
            }
            seen[0] = Double.parseDouble(m.group(1));
            return test.test(seen[0]);
        });
        return seen[0];
    }

    @Test
    void rulesScopedByTagOnlyWatchTaggedRuns() {
        String tag = unique("tag");
        String tagged = unique("tagged");
        String other = unique("other");
        createRun(tagged, tag);
        createRun(other, "t");
        createRule("""
                {"name": "tagged only", "scope": {"tag": "%s"},
                 "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5}}
                """.formatted(tag));
        upload(tagged, 10, 0.9);
        upload(other, 10, 0.9);
        assertThat(alerts("?run=" + tagged)).hasSize(1);
        assertThat(alerts("?run=" + other)).isEmpty();
    }

    @Test
    void prometheusEndpointShowsRunGaugesAndCounters() {
        String run = unique("prom");
        createRun(run, "t");
        upload(run, 10, 0.42);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String text = api().withToken(AlertTest.SCRAPE_TOKEN).get("/actuator/prometheus").text();
            assertThat(text).contains("driftwatch_run_drift_kl_nats{project=\"alerts\",run=\"" + run + "\"} 0.42");
            assertThat(text).contains("driftwatch_run_flag{flag=\"parameter-heavy\",project=\"alerts\",run=\""
                    + run + "\"} 1.0");
            assertThat(text).contains("driftwatch_ingest_checkpoints_total{outcome=\"stored\"}");
        });
        // a run that ended leaves the gauges (bounded cardinality: active runs only)
        assertThat(api().json("POST", "/api/v1/projects/alerts/runs/" + run + "/finish", "{\"status\": \"completed\"}")
                .status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(
                () -> !api().withToken(AlertTest.SCRAPE_TOKEN).get("/actuator/prometheus").text().contains("run=\"" + run + "\""));
        // a project's API token is not the scrape token, and the answer says which one is
        ApiClient.Answer projectToken = api().get("/actuator/prometheus");
        assertThat(projectToken.status()).isEqualTo(401);
        assertThat(projectToken.json().get("detail").asString()).contains("driftwatch.metrics.scrape-token")
                .contains("a project's API token is not accepted here");
    }

    private List<String> attemptOutcomes(String run) {
        return attempts(run, "outcome", String.class);
    }

    private List<Integer> attemptStatuses(String run) {
        return attempts(run, "http_status", Integer.class);
    }

    /** One column of a run's delivery log, in attempt order. */
    private <T> List<T> attempts(String run, String column, Class<T> type) {
        return jdbc.queryForList("SELECT na." + column + """
                 FROM notification_attempt na JOIN notification n ON n.id = na.notification_id
                JOIN alert a ON a.id = n.alert_id JOIN run r ON r.id = a.run_id WHERE r.run_key = ? ORDER BY na.attempt
                """, type, run);
    }
}
