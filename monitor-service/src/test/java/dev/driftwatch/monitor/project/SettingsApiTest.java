package dev.driftwatch.monitor.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code PUT /api/v1/projects/{p}/settings}: the settings given replace the current ones, the ones
 * left out keep theirs; a field that is not a setting, a value that is not a number or out of range
 * is a 400 problem naming every such field, and changes nothing.
 */
class SettingsApiTest extends ServiceTestBase {

    @Test
    void aPartialBodyChangesOnlyTheSettingsItNames() {
        OwnProject own = newProject("settings-partial");
        ApiClient.Answer a = own.api().json("PUT", path(own), "{\"klThreshold\": 0.3}");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(settings(a)).containsExactly(0.10, 0.3, 3.0, 0.10);

        a = own.api().json("PUT", path(own), "{\"driftFactor\": 4, \"lossTolerance\": 0.2}");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(settings(a)).containsExactly(0.10, 0.3, 4.0, 0.2);
        assertThat(settings(own.api().get("/api/v1/projects/" + own.key()))).containsExactly(0.10, 0.3, 4.0, 0.2);

        a = own.api().json("PUT", path(own), "{\"trainableFractionThreshold\": 0.05, \"klThreshold\": 0.6,"
                + " \"driftFactor\": 2.5, \"lossTolerance\": 0.15}");
        assertThat(settings(a)).containsExactly(0.05, 0.6, 2.5, 0.15);
    }

    @Test
    void typosWrongTypesAndRangesAreNamedAndChangeNothing() {
        OwnProject own = newProject("settings-bad");
        expectFields(own.api().json("PUT", path(own), "{\"klTreshold\": 0.3, \"driftFactor\": \"high\"}"),
                "klTreshold", "driftFactor");
        expectFields(own.api().json("PUT", path(own), "{\"klThreshold\": [0.3]}"), "klThreshold");
        expectFields(own.api().json("PUT", path(own), "{\"trainableFractionThreshold\": 1.5, \"lossTolerance\": -1}"),
                "trainableFractionThreshold", "lossTolerance");
        expectFields(own.api().json("PUT", path(own), "[0.1, 0.5]"), "body");
        ApiClient.Answer unknown = own.api().json("PUT", path(own), "{\"klTreshold\": 0.3}");
        assertThat(unknown.json().path("errors").get(0).path("message").asString())
                .contains("klThreshold");  // the message names the right spelling
        assertThat(settings(own.api().get("/api/v1/projects/" + own.key()))).containsExactly(0.10, 0.5, 3.0, 0.10);
    }

    private static String path(OwnProject own) {
        return "/api/v1/projects/" + own.key() + "/settings";
    }

    private static List<Double> settings(ApiClient.Answer a) {
        JsonNode s = a.json().path("flagSettings");
        return List.of(s.path("trainableFractionThreshold").asDouble(), s.path("klThreshold").asDouble(),
                s.path("driftFactor").asDouble(), s.path("lossTolerance").asDouble());
    }

    private static void expectFields(ApiClient.Answer a, String... fields) {
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        assertThat(a.isProblem()).as(a.contentType()).isTrue();
        List<String> named = new ArrayList<>();
        a.json().path("errors").forEach(e -> named.add(e.path("field").asString()));
        assertThat(named).as(a.text()).containsExactlyInAnyOrder(fields);
    }
}
