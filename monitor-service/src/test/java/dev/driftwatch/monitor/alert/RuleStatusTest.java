package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.UiSession;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The run page says what every rule watching the run last saw, also when it does not fire: a threshold
 * that is not crossed, a forecast below its budget, and a rule that fires.
 */
@Timeout(120)
class RuleStatusTest extends AlertTestBase {

    @Autowired
    private RuleStatusQuery statuses;

    @Test
    void everyRuleOnTheRunSaysWhatItLastSawFiringOrNot() throws Exception {
        String runKey = plannedRun("why");
        long high = createRule(runKey, "KL above 0.5 " + runKey, """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5}""");
        createRule(rule(runKey, "forecast over 0.45 " + runKey, """
                {"type": "forecast", "threshold": 0.45}""", 1, "[]"));
        createRule(rule(runKey, "KL above 0.1 " + runKey, """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.1}""", 1, "[]"));
        long runId = runId(runKey);
        assertThat(statuses.ofRun(runId)).as("before any checkpoint").isEmpty();

        // drift 0.01 (t + 20)^0.5: 0.063 at step 20 ... 0.118 at step 120
        for (long step = 20; step <= 120; step += 20) {
            upload(runKey, step, 0.01 * Math.sqrt(step + 20));
        }
        List<RuleStatusQuery.RuleStatus> seen = statuses.ofRun(runId);
        assertThat(seen).extracting(RuleStatusQuery.RuleStatus::name).containsExactly("forecast over 0.45 " + runKey,
                "KL above 0.1 " + runKey, "KL above 0.5 " + runKey);
        assertThat(seen).allSatisfy(s -> assertThat(s.step()).isEqualTo(120));
        seen.forEach(s -> System.out.println("rule status: " + s.name() + " | " + s.state() + " | " + s.summary()));
        RuleStatusQuery.RuleStatus forecast = seen.get(0);
        assertThat(forecast.state()).isEqualTo("ok");
        assertThat(forecast.summary()).startsWith("forecast kl_base_ft at the planned step 1000: lower 95% bound ")
                .contains("not > budget 0.4500").endsWith("from 6 checkpoints up to step 120");
        assertThat(seen.get(1).state()).isEqualTo("firing");
        assertThat(seen.get(1).summary()).isEqualTo("kl_base_ft mean 0.1183 > 0.1000 at step 120");
        assertThat(seen.get(2).state()).isEqualTo("ok");
        assertThat(seen.get(2).summary()).isEqualTo("kl_base_ft mean 0.1183 not > 0.5000 at step 120");
        assertThat(seen.get(2).condition()).isEqualTo("kl_base_ft mean > 0.5000");

        String page = UiSession.loggedIn(base(), "admin", AlertTest.UI_PASSWORD)
                .page("/projects/" + AlertTest.PROJECT + "/runs/" + runKey);
        assertThat(page).contains("Alert rules watching this run", "forecast over 0.45 " + runKey,
                "kl_base_ft mean 0.1183 not &gt; 0.5000 at step 120", ">firing<");

        // a changed rule forgets what it saw, until the next upload
        ApiClient.Answer edited = api().json("PUT", rulesPath() + "/" + high, rule(runKey, "KL above 0.3 " + runKey, """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.3}""", 1, "[]"));
        assertThat(edited.status()).as(edited.text()).isEqualTo(200);
        assertThat(statuses.ofRun(runId)).extracting(RuleStatusQuery.RuleStatus::name)
                .doesNotContain("KL above 0.3 " + runKey, "KL above 0.5 " + runKey);
        upload(runKey, 140, 0.01 * Math.sqrt(160));
        assertThat(statuses.ofRun(runId)).filteredOn(s -> s.ruleId() == high).singleElement()
                .satisfies(s -> assertThat(s.summary()).isEqualTo("kl_base_ft mean 0.1265 not > 0.3000 at step 140"));
    }

    @Test
    void aRuleThatCannotBeReadSaysSoAndBlocksNeitherTheUploadNorTheOtherRules() {
        // rules as a database may hold them from an older version, past what validation lets in now: a
        // condition of a type this version does not know, and a forecast quantile outside (0, 1)
        String runKey = plannedRun("bad-rule");
        long unknown = createRule(runKey, "unknown type " + runKey, """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5}""");
        jdbc.update("UPDATE alert_rule SET condition = '{\"type\": \"sideways\", \"threshold\": 1}'::jsonb WHERE id = ?",
                unknown);
        long outside = createRule(runKey, "quantile outside " + runKey, """
                {"type": "forecast", "threshold": 0.05}""");
        jdbc.update("UPDATE alert_rule SET condition = jsonb_set(condition, '{quantile}', '1.5') WHERE id = ?", outside);
        long good = createRule(runKey, "KL above 0.1 " + runKey, """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.1}""");
        long runId = runId(runKey);
        try {
            for (long step = 20; step <= 120; step += 20) {
                upload(runKey, step, 0.01 * Math.sqrt(step + 20)); // each asserts its 200
            }
            assertThat(jdbc.queryForObject("SELECT count(*) FROM checkpoint WHERE run_id = ?", Long.class, runId))
                    .isEqualTo(6);
            List<RuleStatusQuery.RuleStatus> seen = statuses.ofRun(runId);
            seen.forEach(st -> System.out.println("rule status: " + st.name() + " | " + st.summary()));
            assertThat(seen).filteredOn(st -> st.ruleId() == good).singleElement()
                    .satisfies(st -> assertThat(st.state()).isEqualTo("firing"));
            assertThat(seen).filteredOn(st -> st.ruleId() == outside).singleElement().satisfies(st -> assertThat(
                    st.summary()).startsWith("not evaluated at step 120: the rule cannot be read (")
                    .contains("condition.quantile"));
            assertThat(seen).filteredOn(st -> st.ruleId() == unknown).singleElement().satisfies(st -> {
                assertThat(st.summary()).startsWith("not evaluated at step 120: the rule cannot be read (")
                        .contains("condition.type");
                assertThat(st.condition()).isEqualTo("cannot be read");
            });
            assertThat(jdbc.queryForList("SELECT rule_id FROM alert WHERE run_id = ?", Long.class, runId))
                    .as("alerts: the good rule's only").containsExactly(good);
            UiSession ui = UiSession.loggedIn(base(), "admin", AlertTest.UI_PASSWORD);
            String page = ui.page("/projects/" + AlertTest.PROJECT + "/runs/" + runKey);
            assertThat(page).contains("KL above 0.1 " + runKey, "unknown type " + runKey, "quantile outside " + runKey,
                    "the rule cannot be read", "replace or delete it (the rules page lists it)",
                    // each rule's name links to where it can be changed: its editor, or the unreadable section
                    "href=\"/projects/" + AlertTest.PROJECT + "/rules/" + good + "\"",
                    "href=\"/projects/" + AlertTest.PROJECT + "/rules#unreadable-rules\"");

            // the project's rule list leaves them out instead of failing, and they can be deleted
            ApiClient.Answer list = api().get(rulesPath());
            assertThat(list.status()).as(list.text()).isEqualTo(200);
            assertThat(list.json().findValues("id")).extracting(JsonNode::longValue).contains(good)
                    .doesNotContain(unknown, outside);
            // the rules page lists them apart, with why and a delete button
            String rulesPage = "/projects/" + AlertTest.PROJECT + "/rules";
            String page1 = ui.page(rulesPage);
            assertThat(rowIds(page1, "rule-row")).contains(good).doesNotContain(unknown, outside);
            assertThat(rowIds(page1, "unreadable-row")).containsExactly(unknown, outside);
            assertThat(page1).contains("Rules this version cannot read", "unknown type " + runKey + " (id " + unknown + ")",
                    "condition.type must be one of");
            // one deleted through the page's button, the other through the API
            var deleted = ui.postForm(rulesPage, rulesPage + "/" + unknown + "/delete",
                    "application/x-www-form-urlencoded", "x=1");
            assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(302);
            assertThat(api().send("DELETE", rulesPath() + "/" + outside, null, null, false).status()).isEqualTo(204);
            assertThat(rowIds(ui.page(rulesPage), "unreadable-row")).isEmpty();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM alert_rule WHERE id IN (?, ?) AND deleted_at IS NULL",
                    Long.class, unknown, outside)).isZero();
        } finally {
            // (the project is shared: a rule its list cannot read would fail the other tests' listings)
            jdbc.update("UPDATE alert_rule SET deleted_at = now() WHERE id IN (?, ?)", unknown, outside);
        }
    }

    @Test
    void aRuleThatCannotBeReadIsA409ToReadCanBeReplacedAndItsOlderAlertsEndUnnotified() {
        // two rules that fired under a version that could read them, then became unreadable (a hand edit, or
        // a downgrade): one is replaced through the API, the other's run finishes
        String replaced = plannedRun("replaced");
        String finished = plannedRun("finished");
        String above = """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.1}""";
        long first = createRule(rule(replaced, "KL above 0.1 " + replaced, above, 1, webhook("/unreadable")))
                .get("id").longValue();
        long second = createRule(rule(finished, "KL above 0.1 " + finished, above, 1, webhook("/unreadable")))
                .get("id").longValue();
        upload(replaced, 20, 0.5);
        upload(finished, 20, 0.5);
        String state = "SELECT a.state FROM alert a JOIN run r ON r.id = a.run_id WHERE a.rule_id = ? AND r.run_key = ?";
        assertThat(jdbc.queryForObject(state, String.class, first, replaced)).isEqualTo("firing");
        assertThat(jdbc.queryForObject(state, String.class, second, finished)).isEqualTo("firing");
        jdbc.update("UPDATE alert_rule SET condition = '{\"type\": \"sideways\", \"threshold\": 1}'::jsonb"
                + " WHERE id IN (?, ?)", first, second);
        try {
            // reading it: the request is fine, what is stored is not
            ApiClient.Answer get = api().get(rulesPath() + "/" + first);
            assertThat(get.status()).as(get.text()).isEqualTo(409);
            assertThat(get.json().get("detail").asText()).contains("alert rule " + first,
                    "cannot read", "condition.type", "replace it (PUT) or delete it");

            // replacing it: the new definition is stored, the episode it left ends without a notice
            ApiClient.Answer put = api().json("PUT", rulesPath() + "/" + first, rule(replaced,
                    "KL above 0.3 " + replaced, above.replace("0.1", "0.3"), 1, "[]"));
            assertThat(put.status()).as(put.text()).isEqualTo(200);
            assertThat(api().get(rulesPath() + "/" + first).json().at("/condition/threshold").doubleValue())
                    .isEqualTo(0.3);
            assertThat(jdbc.queryForObject(state, String.class, first, replaced)).isEqualTo("resolved");
            assertThat(jdbc.queryForObject("SELECT summary FROM alert WHERE rule_id = ?", String.class, first))
                    .endsWith("(rule changed; not notified: the rule cannot be read)");

            // finishing the other's run: answered, and its episode ends the same way
            ApiClient.Answer finish = api().json("POST", "/api/v1/projects/" + AlertTest.PROJECT + "/runs/"
                    + finished + "/finish", "{\"status\": \"completed\"}");
            assertThat(finish.status()).as(finish.text()).isEqualTo(200);
            assertThat(jdbc.queryForObject(state, String.class, second, finished)).isEqualTo("resolved");
            assertThat(jdbc.queryForObject("SELECT summary FROM alert WHERE rule_id = ?", String.class, second))
                    .endsWith("(run ended (completed); not notified: the rule cannot be read)");
            // one notice per firing, and none for the two endings (the outbox would have had a 'resolved')
            assertThat(jdbc.queryForList("SELECT n.kind FROM notification n JOIN alert a ON a.id = n.alert_id"
                    + " WHERE a.rule_id IN (?, ?)", String.class, first, second)).containsOnly("firing").hasSize(2);
        } finally {
            jdbc.update("UPDATE alert_rule SET deleted_at = now() WHERE id IN (?, ?)", first, second);
        }
    }

    /** The rule ids of a rules page's rows of one class, in page order. */
    private static List<Long> rowIds(String page, String rowClass) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "<tr class=\"" + rowClass + "\" data-rule-id=\"(\\d+)\"").matcher(page);
        List<Long> ids = new java.util.ArrayList<>();
        while (m.find()) {
            ids.add(Long.parseLong(m.group(1)));
        }
        return ids;
    }
}
