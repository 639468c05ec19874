package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.BDDMockito.given;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.bean.override.mockito.MockitoBean;

/**
 * A rule whose evaluation throws (a bug: here the forecast port, replaced by one that fails) costs the
 * upload nothing: its checkpoints are stored, the other rules on the run evaluate and fire, and the
 * failing rule's status on the run page says it was not evaluated and why.
 */
@Timeout(120)
class RuleEvaluationFailureTest extends AlertTestBase {

    @MockitoBean
    private DriftForecasts forecasts;

    @Autowired
    private RuleStatusQuery statuses;

    @Test
    void aRuleWhoseEvaluationFailsCostsTheUploadNothingAndTheOtherRulesTheirTurn() {
        given(forecasts.of(anyLong())).willReturn((upTo, quantile) -> {
            throw new IllegalStateException("a bug in the forecast");
        });
        String runKey = plannedRun("failing-rule");
        long failing = createRule(runKey, "forecast over 0.45 " + runKey, """
                {"type": "forecast", "threshold": 0.45}""");
        long threshold = createRule(runKey, "KL above 0.1 " + runKey, """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.1}""");
        long runId = runId(runKey);
        try {
            for (long step = 20; step <= 60; step += 20) {
                upload(runKey, step, 0.5); // each asserts its 200
            }
            assertThat(jdbc.queryForObject("SELECT count(*) FROM checkpoint WHERE run_id = ?", Long.class, runId))
                    .isEqualTo(3);
            assertThat(jdbc.queryForList("SELECT rule_id FROM alert WHERE run_id = ? AND state = 'firing'", Long.class,
                    runId)).containsExactly(threshold);
            List<RuleStatusQuery.RuleStatus> seen = statuses.ofRun(runId);
            assertThat(seen).filteredOn(s -> s.ruleId() == failing).singleElement().satisfies(s -> assertThat(
                    s.summary()).isEqualTo("not evaluated at step 60: evaluating the rule failed"
                            + " (java.lang.IllegalStateException: a bug in the forecast); the service log has the trace"));
            assertThat(seen).filteredOn(s -> s.ruleId() == threshold).singleElement()
                    .satisfies(s -> assertThat(s.state()).isEqualTo("firing"));
        } finally {
            jdbc.update("UPDATE alert_rule SET deleted_at = now() WHERE id IN (?, ?)", failing, threshold);
        }
    }
}
