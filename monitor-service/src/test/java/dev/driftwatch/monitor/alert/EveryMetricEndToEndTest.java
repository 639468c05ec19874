package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Statistic;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The walk-through of "how to add a metric" (docs/architecture.md) on the service side: every constant
 * of {@link Metric} — so also one added tomorrow, with no other service file touched — is validated
 * against its own range on ingest, stored, served with its unit by the query API, and watched by a
 * threshold rule that fires.
 */
class EveryMetricEndToEndTest extends AlertTestBase {

    @Test
    void everyContractMetricIsStoredServedAndWatchable() {
        String run = unique("every-metric");
        createRun(run, "every-metric");
        for (Metric m : Metric.values()) {
            createRule(rule(run, "watch " + m.wireName(), """
                    {"type": "threshold", "metric": "%s", "aggregate": "p90", "op": "above", "threshold": 0.05}"""
                    .formatted(m.wireName()), 1, "[{\"type\": \"log\"}]"));
        }

        // out of one metric's range: refused naming that metric, nothing stored
        ObjectNode bad = checkpointWithEveryMetric(10);
        Metric bounded = Metric.TV;
        ((ObjectNode) bad.get("metrics").get(bounded.wireName())).put("max", bounded.range().max() + 1);
        ApiClient.Answer refused = api().postCheckpoints(AlertTest.PROJECT, run, Payloads.batch(bad));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("errors").get(0).get("field").stringValue())
                .isEqualTo("checkpoints[0].metrics." + bounded.wireName() + ".max");

        ApiClient.Answer stored = api().postCheckpoints(AlertTest.PROJECT, run, Payloads.batch(checkpointWithEveryMetric(10),
                checkpointWithEveryMetric(20)));
        assertThat(stored.status()).as(stored.text()).isEqualTo(200);

        String runPath = "/api/v1/projects/" + AlertTest.PROJECT + "/runs/" + run;
        for (Metric m : Metric.values()) {
            JsonNode t = api().get(runPath + "/trajectory?metric=" + m.wireName() + "&stat=p90").json();
            assertThat(t.get("unit").stringValue()).as(m.wireName()).isEqualTo(m.unit().symbol());
            assertThat(t.get("values").get(1).doubleValue()).as(m.wireName()).isEqualTo(value(m, 20) * 1.5);
        }

        List<String> firing = new ArrayList<>();
        api().get(alertsPath() + "?run=" + run).json().forEach(a -> {
            if (a.get("state").stringValue().equals("firing")) {
                firing.add(a.get("ruleName").stringValue());
            }
        });
        assertThat(firing).containsExactlyInAnyOrderElementsOf(
                Metric.allWireNames().stream().map(n -> "watch " + n).toList());
    }

    /** A mean inside every metric's range whose p90 (1.5 x mean) crosses the rules' 0.05. */
    private static double value(Metric m, long step) {
        return 0.1 + step / 1000.0;
    }

    private static ObjectNode checkpointWithEveryMetric(long step) {
        ObjectNode c = Payloads.checkpoint(step, value(Metric.HEADLINE, step));
        ObjectNode metrics = (ObjectNode) c.get("metrics");
        for (Metric m : Metric.values()) {
            ObjectNode s = Payloads.summary(100, value(m, step));
            for (Statistic stat : Statistic.values()) {
                assertThat(m.range().contains(s.get(stat.wireName()).doubleValue())).isTrue();
            }
            metrics.set(m.wireName(), s);
        }
        return c;
    }
}
