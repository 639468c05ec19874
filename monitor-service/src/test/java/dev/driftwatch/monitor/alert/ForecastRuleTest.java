package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.monitor.forgetting.ForgettingService;
import dev.driftwatch.monitor.support.Api;
import dev.driftwatch.monitor.support.Payloads;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code forecast} rule: on a noisy power-law drift trajectory it fires (and notifies) checkpoints
 * before the drift itself crosses the budget.
 */
class ForecastRuleTest extends AlertTestBase {

    private static final long PLANNED = 1000;
    private static final double BUDGET = 0.45;

    @Test
    void firesBeforeTheDriftCrossesTheBudget() {
        String run = unique("forecast");
        ObjectNode body = Payloads.run("full", 1000, 1000);
        ((ObjectNode) body.get("config")).put(ForgettingService.PLANNED_STEPS, Long.toString(PLANNED));
        assertThat(api().putRun(AlertTest.PROJECT, run, body).status()).isEqualTo(201);
        createRule(rule(run, "heading over budget", """
                {"type": "forecast", "threshold": %s}""".formatted(BUDGET), 1, webhook("/forecast")));
        // drift(t) = a (t + 50)^0.5 with 5% noise, ending near 0.6: it crosses 0.45 at about 55% of training
        Random r = new Random(3);
        double a = 0.6 / Math.sqrt(PLANNED + 50);
        long fired = -1;
        long crossed = -1;
        for (long step = 20; step <= PLANNED && (fired < 0 || crossed < 0); step += 20) {
            double kl = a * Math.sqrt(step + 50) * Math.exp(0.05 * r.nextGaussian());
            upload(run, step, kl);
            if (crossed < 0 && kl > BUDGET) {
                crossed = step;
            }
            if (fired < 0 && firing(run)) {
                fired = step;
            }
        }
        assertThat(crossed).isPositive();
        assertThat(fired).isPositive().isLessThan(crossed);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/forecast").size() == 1);
        JsonNode alert = Api.JSON.readTree(receiver.on("/forecast").get(0).body()).get("alert");
        assertThat(alert.get("summary").stringValue()).contains("forecast KL at the planned step 1000")
                .contains("lower bound > budget 0.45");
    }

    @Test
    void aForecastRuleTakesOnlyABudget() {
        Api.Answer bad = api().json("POST", rulesPath(), rule("x", "bad", """
                {"type": "forecast", "op": "below", "threshold": -1}""", 1, "[]"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.text()).contains("condition.op").contains("condition.threshold");
        Api.Answer other = api().json("POST", rulesPath(), rule("x", "bad", """
                {"type": "forecast", "metric": "js", "threshold": 0.3}""", 1, "[]"));
        assertThat(other.status()).isEqualTo(400);
        assertThat(other.text()).contains("condition.metric");
    }

    private boolean firing(String run) {
        Api.Answer a = api().get(alertsPath() + "?run=" + run);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        for (JsonNode alert : a.json()) {
            if ("firing".equals(alert.get("state").stringValue())) {
                return true;
            }
        }
        return false;
    }
}
