package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.ServiceTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A project keeps at most {@link AlertRuleService#MAX_RULES_PER_PROJECT} rules: each is evaluated on every
 * checkpoint and slice of every upload, and an audit's 1000 rules made one upload take 180 s. The one past
 * the limit is a 400 naming {@code rules} that stores nothing; a deleted rule frees its place.
 */
@Timeout(120)
class RuleLimitTest extends ServiceTestBase {

    private static final String RULE = "{\"name\": \"%s\", \"condition\": {\"type\": \"threshold\", \"metric\":"
            + " \"kl_base_ft\", \"op\": \"above\", \"threshold\": 0.5}}";

    @Test
    void aProjectKeepsAtMostItsLimitOfRules() {
        OwnProject project = newProject("rules");
        String path = "/api/v1/projects/" + project.key() + "/alert-rules";
        long last = 0;
        for (int i = 0; i < AlertRuleService.MAX_RULES_PER_PROJECT; i++) {
            ApiClient.Answer a = project.api().json("POST", path, RULE.formatted("r" + i));
            assertThat(a.status()).as(a.text()).isEqualTo(201);
            last = a.json().get("id").asLong();
        }

        ApiClient.Answer refused = project.api().json("POST", path, RULE.formatted("one too many"));

        assertThat(refused.status()).as(refused.text()).isEqualTo(400);
        assertThat(refused.json().get("errors").findValuesAsString("field")).containsExactly("rules");
        assertThat(refused.json().get("detail").stringValue()).contains("at most " + AlertRuleService.MAX_RULES_PER_PROJECT);
        assertThat(project.api().get(path).json().size()).isEqualTo(AlertRuleService.MAX_RULES_PER_PROJECT);
        assertThat(project.api().send("DELETE", path + "/" + last, null, null, false).status()).isEqualTo(204);
        assertThat(project.api().json("POST", path, RULE.formatted("in its place")).status()).isEqualTo(201);
    }
}
