package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** Bad rule definitions get a 400 problem naming the field and change nothing; the CRUD round trip. */
@Timeout(60)
class RuleValidationTest extends AlertTestBase {

    private static final String VALID_CONDITION =
            "{\"type\": \"threshold\", \"metric\": \"kl_base_ft\", \"op\": \"above\", \"threshold\": 0.5}";

    private long ruleCount() {
        return jdbc.queryForObject("SELECT count(*) FROM alert_rule", Long.class);
    }

    private void assertRejected(String method, String path, String body, String field) {
        long before = ruleCount();
        ApiClient.Answer a = api().json(method, path, body);
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        assertThat(a.isProblem()).isTrue();
        JsonNode problem = a.json();
        assertThat(problem.get("errors").findValuesAsString("field")).as(a.text()).contains(field);
        assertThat(problem.get("detail").stringValue()).isNotBlank();
        assertThat(ruleCount()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown metric | {\"type\": \"threshold\", \"metric\": \"kl_nope\", \"op\": \"above\", \"threshold\": 1} | condition.metric",
        "unknown aggregate | {\"type\": \"threshold\", \"metric\": \"js\", \"aggregate\": \"p42\", \"op\": \"above\", \"threshold\": 1} | condition.aggregate",
        "window of one | {\"type\": \"rate\", \"metric\": \"js\", \"op\": \"above\", \"threshold\": 1, \"window\": 1} | condition.window",
        "window too large | {\"type\": \"rate\", \"metric\": \"js\", \"op\": \"above\", \"threshold\": 1, \"window\": 100000} | condition.window",
        "rate without window | {\"type\": \"rate\", \"metric\": \"js\", \"op\": \"above\", \"threshold\": 1} | condition.window",
        "window on a threshold | {\"type\": \"threshold\", \"metric\": \"js\", \"op\": \"above\", \"threshold\": 1, \"window\": 3} | condition.window",
        "unknown type | {\"type\": \"magic\"} | condition.type",
        "missing op | {\"type\": \"threshold\", \"metric\": \"js\", \"threshold\": 1} | condition.op",
        "missing threshold | {\"type\": \"threshold\", \"metric\": \"js\", \"op\": \"above\"} | condition.threshold",
        "ciAware on p99 | {\"type\": \"threshold\", \"metric\": \"js\", \"aggregate\": \"p99\", \"op\": \"above\", \"threshold\": 1, \"ciAware\": true} | condition.ciAware",
        "slices of a scalar | {\"type\": \"threshold\", \"metric\": \"train_loss\", \"slice\": \"*\", \"op\": \"above\", \"threshold\": 1} | condition.slice",
        "factor at most one | {\"type\": \"concentrated\", \"factor\": 1.0} | condition.factor",
        "threshold as text | {\"type\": \"threshold\", \"metric\": \"js\", \"op\": \"above\", \"threshold\": \"high\"} | condition.threshold",
        "unknown field | {\"type\": \"threshold\", \"metric\": \"js\", \"op\": \"above\", \"threshold\": 1, \"treshold\": 2} | condition.treshold",
        "metric on a flag rule | {\"type\": \"flag\", \"metric\": \"js\"} | condition.metric",
    })
    void badConditionsAreRejected(String what, String condition, String field) {
        assertRejected("POST", rulesPath(), "{\"name\": \"bad\", \"condition\": " + condition + "}", field);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no scheme | not a url | channels[0].url",
        "ftp | ftp://example.org/x | channels[0].url",
        "no host | http:///path | channels[0].url",
        "spaces | http://exa mple.org/ | channels[0].url",
        "port 0 | https://hooks.example:0/x | channels[0].url",
        "port past 65535 | https://hooks.example:99999/x | channels[0].url",
        "credentials | https://user:secret@hooks.example/x | channels[0].url",
    })
    void malformedUrlsAreRejected(String what, String url, String field) {
        assertRejected("POST", rulesPath(), "{\"name\": \"bad\", \"condition\": " + VALID_CONDITION
                + ", \"channels\": [{\"type\": \"webhook\", \"url\": \"" + url + "\"}]}", field);
    }

    @Test
    void otherBadFieldsAreRejected() {
        assertRejected("POST", rulesPath(), "{\"condition\": " + VALID_CONDITION + "}", "name");
        assertRejected("POST", rulesPath(), "{\"name\": \"x\"}", "condition");
        // the two checkpoint counts: below 1, above 1000, not an integer, beyond an int
        for (String field : List.of("for", "keepFiringFor")) {
            for (String bad : List.of("0", "1001", "2.5", "2147483648")) {
                assertRejected("POST", rulesPath(), "{\"name\": \"x\", \"" + field + "\": " + bad + ", \"condition\": "
                        + VALID_CONDITION + "}", field);
            }
        }
        assertRejected("POST", rulesPath(), "{\"name\": \"x\", \"severity\": \"fatal\", \"condition\": "
                + VALID_CONDITION + "}", "severity");
        // not a duration, shorter than a minute, longer than a year (PT99999999999999H was accepted, and once the
        // rule fired every upload of the runs it watched failed with a 500), beyond a Duration
        for (String bad : List.of("often", "PT30S", "P366D", "PT99999999999999H", "PT9999999999999999999H")) {
            assertRejected("POST", rulesPath(), "{\"name\": \"x\", \"repeatInterval\": \"" + bad
                    + "\", \"condition\": " + VALID_CONDITION + "}", "repeatInterval");
        }
        assertRejected("POST", rulesPath(), "{\"name\": \"x\", \"scope\": {\"run\": \"bad key!\"}, \"condition\": "
                + VALID_CONDITION + "}", "scope.run");
        assertRejected("POST", rulesPath(), "{\"name\": \"x\", \"condition\": " + VALID_CONDITION
                + ", \"channels\": [{\"type\": \"pager\"}]}", "channels[0].type");
        assertRejected("POST", rulesPath(), "[1, 2]", "body");
        // several fields at once are all named
        ApiClient.Answer a = api().json("POST", rulesPath(), "{\"name\": \"\", \"for\": 0, \"condition\": "
                + "{\"type\": \"rate\", \"metric\": \"nope\", \"op\": \"above\", \"threshold\": 1, \"window\": 0}}");
        assertThat(a.json().get("errors").findValuesAsString("field"))
                .contains("name", "for", "condition.metric", "condition.window");
    }

    /**
     * An empty (or blank) optional text is refused, not taken for an absent one: {@code "scope": {"tag": ""}}
     * was stored as {@code "scope": {}}, a rule over every run of the project, and {@code "slice": ""} as no
     * slice, a rule over the whole probe set, where a 65-character tag was refused.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty tag | \"scope\": {\"tag\": \"\"}, \"condition\": " + VALID_CONDITION + " | scope.tag",
        "blank tag | \"scope\": {\"tag\": \"  \"}, \"condition\": " + VALID_CONDITION + " | scope.tag",
        "empty run | \"scope\": {\"run\": \"\"}, \"condition\": " + VALID_CONDITION + " | scope.run",
        "blank run | \"scope\": {\"run\": \" \"}, \"condition\": " + VALID_CONDITION + " | scope.run",
        "empty slice | \"condition\": {\"type\": \"threshold\", \"metric\": \"kl_base_ft\", \"slice\": \"\", \"op\": "
                + "\"above\", \"threshold\": 1} | condition.slice",
        "blank slice | \"condition\": {\"type\": \"rate\", \"metric\": \"js\", \"slice\": \" \", \"op\": \"above\", "
                + "\"threshold\": 1, \"window\": 2} | condition.slice",
        "empty slice of off_task | \"condition\": {\"type\": \"off_task\", \"slice\": \"\", \"threshold\": 1} "
                + "| condition.slice",
        "empty repeat interval | \"repeatInterval\": \"\", \"condition\": " + VALID_CONDITION + " | repeatInterval",
    })
    void anEmptyOptionalTextIsRefusedNotTakenForAbsent(String what, String fields, String field) {
        assertRejected("POST", rulesPath(), "{\"name\": \"empty\", " + fields + "}", field);
        long id = createRule("{\"name\": \"to replace\", \"scope\": {\"tag\": \"" + unique("nothing") + "\"}, "
                + "\"condition\": " + VALID_CONDITION + "}").get("id").longValue();
        assertRejected("PUT", rulesPath() + "/" + id, "{\"name\": \"empty\", " + fields + "}", field);
        assertThat(api().get(rulesPath() + "/" + id).json().get("name").stringValue()).isEqualTo("to replace");
        assertThat(api().send("DELETE", rulesPath() + "/" + id, null, null, false).status()).isEqualTo(204);
    }

    @Test
    void channelSettingsAreCheckedByTheirNotifier() {
        assertRejected("POST", rulesPath(), "{\"name\": \"x\", \"condition\": " + VALID_CONDITION
                + ", \"channels\": [{\"type\": \"webhook\", \"url\": \"https://hooks.example/x\", "
                + "\"settings\": {\"channel\": \"#a\"}}]}", "channels[0].settings.channel");
        assertRejected("POST", rulesPath(), "{\"name\": \"x\", \"condition\": " + VALID_CONDITION
                + ", \"channels\": [{\"type\": \"log\"}, {\"type\": \"slack\", \"url\": \"https://hooks.example/s\", "
                + "\"settings\": {\"color\": \"red\"}}]}", "channels[1].settings.color");
        JsonNode rule = createRule("{\"name\": \"slack with a channel\", \"condition\": " + VALID_CONDITION
                + ", \"channels\": [{\"type\": \"slack\", \"url\": \"https://hooks.example/s\", "
                + "\"settings\": {\"channel\": \"#ml\"}}, {\"type\": \"log\"}]}");
        assertThat(rule.get("channels").get(0).get("settings").get("channel").stringValue()).isEqualTo("#ml");
        assertThat(rule.get("channels").get(1).has("settings")).as("no settings, none shown").isFalse();
    }

    @Test
    void formDefaultsThatDoNotApplyAreAccepted() {
        // a form sends ciAware=false for every type; only true is out of place on a flag rule
        JsonNode flag = createRule("{\"name\": \"flag\", \"condition\": {\"type\": \"flag\", \"ciAware\": false}}");
        assertThat(flag.get("condition").has("ciAware")).isFalse();
        assertRejected("POST", rulesPath(), "{\"name\": \"flag\", \"condition\": {\"type\": \"flag\", \"ciAware\": true}}",
                "condition.ciAware");
    }

    @Test
    void keepFiringForDefaultsToThreeForAForecastAndToOneOtherwise() {
        JsonNode forecast = createRule("{\"name\": \"forecast default\", \"condition\": {\"type\": \"forecast\","
                + " \"threshold\": 0.5}}");
        assertThat(forecast.get("keepFiringFor").intValue()).isEqualTo(ForecastCondition.KEEP_FIRING_FOR).isEqualTo(3);
        JsonNode said = createRule("{\"name\": \"forecast said\", \"keepFiringFor\": 1, \"condition\": {\"type\":"
                + " \"forecast\", \"threshold\": 0.5}}");
        assertThat(said.get("keepFiringFor").intValue()).as("what the rule says wins").isEqualTo(1);
        JsonNode threshold = createRule("{\"name\": \"threshold default\", \"condition\": " + VALID_CONDITION + "}");
        assertThat(threshold.get("keepFiringFor").intValue()).isEqualTo(1);
        assertRejected("POST", rulesPath(), "{\"name\": \"forecast zero\", \"keepFiringFor\": 0, \"condition\":"
                + " {\"type\": \"forecast\", \"threshold\": 0.5}}", "keepFiringFor");
    }

    @Test
    void crudRoundTripAndABadUpdateChangesNothing() {
        String body = """
                {"name": "round trip", "severity": "critical", "scope": {"tag": "demo"},
                 "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5,
                               "ciAware": true},
                 "for": 3, "keepFiringFor": 4, "repeatInterval": "pt4h",
                 "channels": [{"type": "webhook", "url": "https://hooks.example/x"}, {"type": "log"}]}
                """;
        JsonNode created = createRule(body);
        long id = created.get("id").longValue();
        assertThat(created.get("for").intValue()).isEqualTo(3);
        assertThat(created.get("keepFiringFor").intValue()).isEqualTo(4);
        assertThat(created.get("repeatInterval").stringValue()).isEqualTo("PT4H");
        assertThat(created.get("condition").get("aggregate").stringValue()).isEqualTo("mean");
        assertThat(created.get("condition").get("ciAware").booleanValue()).isTrue();
        assertThat(created.get("enabled").booleanValue()).isTrue();
        assertThat(created.get("scope").get("tag").stringValue()).isEqualTo("demo");
        assertThat(created.get("channels")).hasSize(2);

        assertThat(api().get(rulesPath() + "/" + id).json()).isEqualTo(created);
        assertThat(api().get(rulesPath()).json().findValues("id")).extracting(JsonNode::longValue).contains(id);

        assertRejected("PUT", rulesPath() + "/" + id, body.replace("\"window\"", "\"x\"")
                .replace("0.5,", "0.5, \"window\": 1,"), "condition.window");
        assertThat(api().get(rulesPath() + "/" + id).json()).isEqualTo(created);

        ApiClient.Answer put = api().json("PUT", rulesPath() + "/" + id, body.replace("round trip", "renamed"));
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.json().get("name").stringValue()).isEqualTo("renamed");

        assertThat(api().send("DELETE", rulesPath() + "/" + id, null, null, false).status()).isEqualTo(204);
        ApiClient.Answer gone = api().get(rulesPath() + "/" + id);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.isProblem()).isTrue();
        assertThat(api().json("PUT", rulesPath() + "/" + id, body).status()).isEqualTo(404);
    }

    @Test
    void rulesNeedTheProjectsToken() {
        ApiClient anonymous = api().withToken(null);
        assertThat(anonymous.json("POST", rulesPath(), "{}").status()).isEqualTo(401);
        assertThat(anonymous.get(rulesPath()).status()).isEqualTo(401);
        assertThat(api().withToken("dw_unknown").get(alertsPath()).status()).isEqualTo(401);
        ApiClient.Answer otherProject = api().json("POST", "/api/v1/projects/someone-else/alert-rules",
                "{\"name\": \"x\", \"condition\": " + VALID_CONDITION + "}");
        assertThat(otherProject.status()).isEqualTo(403);
    }

    @Test
    void alertQueryParametersAreValidated() {
        assertThat(api().get(alertsPath() + "?state=maybe").status()).isEqualTo(400);
        assertThat(api().get(alertsPath() + "?limit=0").status()).isEqualTo(400);
        assertThat(api().get(alertsPath() + "/999999999").status()).isEqualTo(404);
    }
}
