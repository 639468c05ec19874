package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftwatch.contract.MetricSummary;
import dev.driftwatch.monitor.alert.ConditionEvaluator.Observation;
import dev.driftwatch.monitor.alert.DriftForecasts.Outlook;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code forecast} condition on its own: what it accepts, and what it makes of a forecast. */
class ForecastConditionTest {

    private static ConditionSpec spec(Double threshold, Double quantile) {
        return new ConditionSpec("forecast", null, null, null, null, threshold, null, null, null, quantile);
    }

    private static MetricSource checkpoint(long step, double kl) {
        return new MetricSource(step, Map.of(MetricNames.HEADLINE, new MetricSummary(100, kl, kl, kl, kl, kl,
                kl * 0.9, kl * 1.1)), List.of(), Map.of(), null, null);
    }

    /** Observes with a forecast port that records what it was asked and answers {@code answer}. */
    private static List<Observation> observe(Condition c, MetricSource now, Outlook answer, List<String> asked) {
        return ConditionEvaluator.observe(c, now, new RunContext(n -> null, null, (upTo, q) -> {
            asked.add(upTo + "@" + q);
            return answer;
        }));
    }

    private static List<String> problems(ConditionSpec spec) {
        try {
            spec.toCondition();
            return List.of();
        } catch (ApiProblem p) {
            return p.getErrors().stream().map(FieldProblem::field).toList();
        }
    }

    @Test
    void aBudgetAloneIsAForecastRuleOnTheLowerBound() {
        Condition c = spec(0.45, null).toCondition();
        assertThat(c).isEqualTo(new ForecastCondition(0.45, 0.025));
        assertThat(c.toSpec()).isEqualTo(spec(0.45, 0.025));
        assertThat(c.toSpec().toCondition()).isEqualTo(c);
        assertThat(spec(0.45, 0.1).toCondition()).isEqualTo(new ForecastCondition(0.45, 0.1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no budget | {\"type\": \"forecast\"} | condition.threshold",
        "zero budget | {\"type\": \"forecast\", \"threshold\": 0} | condition.threshold",
        "negative budget | {\"type\": \"forecast\", \"threshold\": -1} | condition.threshold",
        "quantile 0 | {\"type\": \"forecast\", \"threshold\": 0.5, \"quantile\": 0} | condition.quantile",
        "quantile 1 | {\"type\": \"forecast\", \"threshold\": 0.5, \"quantile\": 1} | condition.quantile",
        "quantile 1.5 | {\"type\": \"forecast\", \"threshold\": 0.5, \"quantile\": 1.5} | condition.quantile",
        "a metric | {\"type\": \"forecast\", \"metric\": \"js\", \"threshold\": 0.5} | condition.metric",
        "an aggregate | {\"type\": \"forecast\", \"aggregate\": \"p99\", \"threshold\": 0.5} | condition.aggregate",
        "a slice | {\"type\": \"forecast\", \"slice\": \"*\", \"threshold\": 0.5} | condition.slice",
        "an op | {\"type\": \"forecast\", \"op\": \"below\", \"threshold\": 0.5} | condition.op",
        "ciAware | {\"type\": \"forecast\", \"ciAware\": true, \"threshold\": 0.5} | condition.ciAware",
        "a window | {\"type\": \"forecast\", \"window\": 3, \"threshold\": 0.5} | condition.window",
        "a factor | {\"type\": \"forecast\", \"factor\": 2, \"threshold\": 0.5} | condition.factor",
        "quantile on a threshold rule | {\"type\": \"threshold\", \"metric\": \"js\", \"op\": \"above\", \"threshold\": 1, \"quantile\": 0.1} | condition.quantile",
    })
    void badForecastConditionsNameTheField(String what, String json, String field) {
        ConditionSpec spec = dev.driftwatch.harness.ApiClient.JSON.readValue(json, ConditionSpec.class);
        assertThat(problems(spec)).as(what).containsExactly(field);
    }

    @Test
    void holdsWhenTheForecastQuantileIsAboveTheBudget() {
        Condition c = spec(0.45, null).toCondition();
        List<String> asked = new ArrayList<>();
        Observation above = observe(c, checkpoint(240, 0.3), Outlook.of(1000, 0.4501, 0.62, 12, 240), asked).get(0);
        assertThat(asked).containsExactly("240@0.025");
        assertThat(above.holds()).isTrue();
        assertThat(above.value()).isEqualTo(0.4501);
        assertThat(above.sliceKey()).isEmpty();
        assertThat(above.summary()).isEqualTo("forecast kl_base_ft at the planned step 1000: lower 95% bound 0.4501"
                + " > budget 0.4500 (median 0.6200), from 12 checkpoints up to step 240");
        Observation at = observe(c, checkpoint(240, 0.3), Outlook.of(1000, 0.45, 0.62, 12, 240), asked).get(0);
        assertThat(at.holds()).isFalse();
        assertThat(at.summary()).contains("lower 95% bound 0.4500 not > budget 0.4500");
    }

    @Test
    void withoutAForecastItDoesNotHoldAndSaysWhy() {
        Condition c = spec(0.45, null).toCondition();
        Observation none = observe(c, checkpoint(80, 0.9), Outlook.none(1000L, "3 checkpoints with drift so far,"
                + " a forecast needs 5"), new ArrayList<>()).get(0);
        assertThat(none.holds()).isFalse();
        assertThat(none.value()).isNull();
        assertThat(none.summary()).isEqualTo("no forecast at step 80: 3 checkpoints with drift so far, a forecast needs 5");
    }

    @Test
    void anInvalidCheckpointLeavesTheAlertAsItIs() {
        Condition c = spec(0.45, null).toCondition();
        List<String> asked = new ArrayList<>();
        MetricSource invalid = new MetricSource(300, Map.of(), List.of(), Map.of(), null, null);
        assertThat(observe(c, invalid, Outlook.of(1000, 0.9, 1.0, 12, 240), asked)).isEmpty();
        assertThat(asked).as("no forecast is made for it").isEmpty();
    }

    @Test
    void describesTheQuantileInWords() {
        assertThat(ConditionEvaluator.describe(spec(0.45, null).toCondition(), 1))
                .isEqualTo("lower 95% bound of the forecast kl_base_ft at the planned final step > 0.4500");
        assertThat(spec(0.45, 0.5).toCondition().describe()).startsWith("median of the forecast");
        assertThat(spec(0.45, 0.1).toCondition().describe()).startsWith("lower 80% bound of the forecast");
        assertThat(spec(0.45, 0.9).toCondition().describe()).startsWith("upper 80% bound of the forecast");
    }

    @Test
    void aBadSpecThrowsA400() {
        assertThatThrownBy(() -> spec(null, 2.0).toCondition()).isInstanceOf(ApiProblem.class)
                .satisfies(e -> assertThat(((ApiProblem) e).getStatus().value()).isEqualTo(400));
    }
}
