package dev.driftwatch.monitor.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.ServiceTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * F5's API side: an upload token (no {@code channels} scope) cannot make the service call a URL; the
 * bootstrap token can, but not to the service's own network (loopback in any spelling, metadata,
 * private ranges), and the answer names the field.
 */
class ChannelPermissionTest extends ServiceTestBase {

    private static String rule(String url) {
        return "{\"name\":\"ssrf\",\"condition\":{\"type\":\"flag\"},\"channels\":[{\"type\":\"webhook\",\"url\":\""
                + url + "\"}]}";
    }

    @Test
    void aTokenWithoutTheChannelsScopeCannotCreateUrlChannels() {
        OwnProject own = newProject("scope");
        ApiClient.Answer a = own.api().json("POST", "/api/v1/projects/" + own.key() + "/alert-rules",
                rule("https://hooks.example.com/x"));
        assertThat(a.status()).as(a.text()).isEqualTo(403);
        assertThat(a.isProblem()).isTrue();
        assertThat(a.text()).contains("channels");
        ApiClient.Answer log = own.api().json("POST", "/api/v1/projects/" + own.key() + "/alert-rules",
                "{\"name\":\"log only\",\"condition\":{\"type\":\"flag\"},\"channels\":[{\"type\":\"log\"}]}");
        assertThat(log.status()).as(log.text()).isEqualTo(201);
    }

    @Test
    void internalDestinationsAreRefusedNamingTheField() {
        String path = "/api/v1/projects/test/alert-rules";
        for (String url : new String[] {"http://127.0.0.1:" + port() + "/actuator", "http://[::1]/",
                "http://0.0.0.0:5432/", "http://2130706433/", "http://169.254.169.254/latest/meta-data",
                "http://10.1.2.3/hook", "http://localhost/"}) {
            ApiClient.Answer a = api().json("POST", path, rule(url));
            assertThat(a.status()).as(url + ": " + a.text()).isEqualTo(400);
            JsonNode first = a.json().get("errors").get(0);
            assertThat(first.get("field").stringValue()).isEqualTo("channels[0].url");
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM alert_rule WHERE name = 'ssrf'", Long.class)).isZero();
    }
}
