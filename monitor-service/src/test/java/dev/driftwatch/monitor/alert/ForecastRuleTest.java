package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.RunInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.monitor.forgetting.ForgettingService;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import java.time.Duration;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code forecast} rule through the API and a real webhook receiver: on a noisy power-law drift
 * trajectory it fires (and notifies) checkpoints before the drift itself crosses the budget, on the
 * run page's own forecast; it resolves when the run ends; without a forecast (no planned final step,
 * too few checkpoints) it does not fire, however high the drift.
 */
@Timeout(120)
class ForecastRuleTest extends AlertTestBase {

    private static final long PLANNED = 1000;
    private static final double BUDGET = 0.45;

    private void createPlannedRun(String runKey, Long plannedSteps) {
        ObjectNode body = Payloads.run("full", 1000, 1000);
        if (plannedSteps != null) {
            ((ObjectNode) body.get("config")).put(RunInfo.PLANNED_STEPS, Long.toString(plannedSteps));
        }
        assertThat(api().putRun(AlertTest.PROJECT, runKey, body).status()).isEqualTo(201);
    }

    /**
     * A forecast rule with the defaults: a forecast's bound moves with every checkpoint (its estimate of how
     * much the run's deviations persist moves too), so a forecast rule that does not say keeps firing through
     * dips of up to two checkpoints ({@code keepFiringFor} 3) instead of notifying resolved and firing again.
     */
    private String forecastRule(String runKey, String path) {
        return """
                {"name": "heading over the budget %s", "scope": {"run": "%s"}, "channels": %s,
                 "condition": {"type": "forecast", "threshold": %s}}
                """.formatted(runKey, runKey, webhook(path), BUDGET);
    }

    private JsonNode alerts(String query) {
        ApiClient.Answer a = api().get(alertsPath() + query);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return a.json();
    }

    private boolean firing(String runKey) {
        return alerts("?run=" + runKey).findValuesAsString("state").contains("firing");
    }

    @Test
    void firesBeforeTheDriftCrossesTheBudgetOnTheRunPagesForecastAndResolvesWhenTheRunEnds() {
        String run = unique("forecast");
        createPlannedRun(run, PLANNED);
        JsonNode rule = createRule(forecastRule(run, "/forecast"));
        assertThat(rule.get("condition")).isEqualTo(ApiClient.JSON.readTree("""
                {"type": "forecast", "threshold": 0.45, "quantile": 0.025}"""));
        // drift(t) = a (t + 50)^0.5 with 5% log-normal noise, ending near 0.6: it crosses 0.45 at about 55% of training
        Random r = new Random(3);
        double a = 0.6 / Math.sqrt(PLANNED + 50);
        long fired = -1;
        long crossed = -1;
        double klWhenFired = Double.NaN;
        long step = 0;
        while (step < PLANNED && (fired < 0 || crossed < 0)) {
            step += 20;
            double kl = a * Math.sqrt(step + 50) * Math.exp(0.05 * r.nextGaussian());
            upload(run, step, kl);
            if (crossed < 0 && kl > BUDGET) {
                crossed = step;
            }
            if (fired < 0 && firing(run)) {
                fired = step;
                klWhenFired = kl;
            }
        }
        System.out.printf("forecast rule: fired at step %d (KL %.4f, budget %.2f); KL first above the budget at step %d"
                + " (of %d planned)%n", fired, klWhenFired, BUDGET, crossed, PLANNED);
        assertThat(crossed).isPositive();
        assertThat(fired).isPositive().isLessThan(crossed);

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/forecast").size() == 1);
        JsonNode notified = ApiClient.JSON.readTree(receiver.on("/forecast").get(0).body()).get("alert");
        System.out.println("forecast rule: notified \"" + notified.get("summary").stringValue() + "\"");
        assertThat(notified.get("step").longValue()).isEqualTo(fired);
        assertThat(notified.get("condition").stringValue())
                .isEqualTo("lower 95% bound of the forecast kl_base_ft at the planned final step > 0.4500");
        assertThat(notified.get("summary").stringValue())
                .startsWith("forecast kl_base_ft at the planned step 1000: lower 95% bound ")
                .contains("> budget 0.4500").endsWith("up to step " + fired);
        assertThat(notified.get("value").doubleValue()).isGreaterThan(BUDGET);

        // one forecast: the alert's value at the latest checkpoint is the run page's lower bound
        JsonNode open = alerts("?run=" + run).get(0);
        assertThat(open.get("lastStep").longValue()).isEqualTo(step);
        ApiClient.Answer page = api().get("/api/v1/projects/" + AlertTest.PROJECT + "/runs/" + run + "/forgetting");
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        JsonNode atFinal = page.json().get("forecast").get("atFinal");
        assertThat(open.get("lastValue").doubleValue()).isEqualTo(atFinal.get("low").doubleValue(), Offset.offset(1e-12));

        // the run ends: the alert resolves and notifies once, like any rule's
        ApiClient.Answer finish = api().json("POST", "/api/v1/projects/" + AlertTest.PROJECT + "/runs/" + run + "/finish",
                "{\"status\": \"completed\"}");
        assertThat(finish.status()).as(finish.text()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/forecast").size() == 2);
        assertThat(ApiClient.JSON.readTree(receiver.on("/forecast").get(1).body()).get("kind").stringValue())
                .isEqualTo("resolved");
        assertThat(alerts("?run=" + run)).isEmpty();
        assertThat(alerts("?state=all&run=" + run).findValuesAsString("state")).containsExactly("resolved");
    }

    /**
     * A quantile so far out that its drift passes the largest double (the 1 - 1e-16 quantile of a t distribution
     * with few degrees of freedom is e to the thousands): there is no forecast to compare with the budget, and a
     * benign run does not fire. It fired, on a bound of Infinity, written "Infinity" as the alert's value.
     */
    @Test
    void aBoundBeyondTheLargestDoubleIsNoForecastAndDoesNotFire() {
        String run = plannedRun("beyond");
        long ruleId = createRule(run, "beyond the doubles " + run, """
                {"type": "forecast", "threshold": 5, "quantile": 0.9999999999999999}""");
        Random r = new Random(7);
        double a = 0.6 / Math.sqrt(PLANNED + 50);
        // 5 and 6 checkpoints: forecasts of few degrees of freedom (from 7 on this bound is finite, e^500, and compared
        // with the budget as it is)
        for (long step = 20; step <= 120; step += 20) {
            upload(run, step, a * Math.sqrt(step + 50) * Math.exp(0.05 * r.nextGaussian()));
        }
        ApiClient.Answer all = api().get(alertsPath() + "?state=all&run=" + run);
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.text()).doesNotContain("Infinity").doesNotContain("NaN");
        assertThat(all.json()).as(all.text()).isEmpty();
        String summary = jdbc.queryForObject("SELECT summary FROM rule_run_status WHERE rule_id = ? AND run_id = ?",
                String.class, ruleId, runId(run));
        assertThat(summary).startsWith("no forecast at step 120: ").contains("largest");
    }

    @Test
    void withoutAForecastTheRuleDoesNotFireHoweverHighTheDrift() {
        String unplanned = unique("unplanned");
        String planned = unique("planned");
        createPlannedRun(unplanned, null);
        createPlannedRun(planned, PLANNED);
        createRule(forecastRule(unplanned, "/unplanned"));
        createRule(forecastRule(planned, "/planned"));
        Random r = new Random(5);
        long firstFiring = -1;
        for (int i = 1; i <= 8; i++) {
            long step = 50L * i;
            double kl = 2.0 * Math.exp(0.05 * r.nextGaussian()); // far above the budget from the start
            upload(unplanned, step, kl);
            upload(planned, step, kl);
            if (i < 5) {
                // fewer checkpoints than a forecast needs: nothing fires, nothing is even pending
                assertThat(alerts("?state=all&run=" + planned)).as("after %d checkpoints", i).isEmpty();
            } else if (firstFiring < 0 && firing(planned)) {
                firstFiring = i;
            }
        }
        assertThat(firstFiring).as("the planned run's rule fires once it has a forecast").isPositive();
        assertThat(alerts("?state=all&run=" + unplanned)).as("no planned final step, no forecast").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.on("/planned").size() == 1);
        assertThat(receiver.on("/unplanned")).isEmpty();
        System.out.printf("forecast rule: no alert for the run without plannedSteps after 8 checkpoints at KL ~2;"
                + " the planned run's fired at its checkpoint %d (a forecast needs 5)%n", firstFiring);
    }

    @Test
    void aForecastRuleTakesABudgetAndAQuantileOnly() {
        long before = jdbc.queryForObject("SELECT count(*) FROM alert_rule", Long.class);
        ApiClient.Answer bad = api().json("POST", rulesPath(), rule("x", "bad", """
                {"type": "forecast", "op": "below", "threshold": -1}""", 1, "[]"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("condition.op", "condition.threshold");
        ApiClient.Answer other = api().json("POST", rulesPath(), rule("x", "bad", """
                {"type": "forecast", "metric": "js", "threshold": 0.3, "quantile": 1.2}""", 1, "[]"));
        assertThat(other.status()).isEqualTo(400);
        assertThat(other.json().get("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("condition.metric", "condition.quantile");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM alert_rule", Long.class)).isEqualTo(before);

        JsonNode median = createRule(rule("x", "median over the budget", """
                {"type": "forecast", "threshold": 0.3, "quantile": 0.5}""", 1, "[]"));
        assertThat(median.get("condition")).isEqualTo(ApiClient.JSON.readTree("""
                {"type": "forecast", "threshold": 0.3, "quantile": 0.5}"""));
    }
}
