package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.monitor.DriftwatchApplication;
import dev.driftwatch.monitor.support.Api;
import dev.driftwatch.monitor.support.Payloads;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two service instances (two application contexts) on one PostgreSQL database, both ingesting and
 * both dispatching: every notification reaches the receiver exactly once.
 */
@Timeout(300)
class TwoInstancesTest {

    private static final String PROJECT = "twin";
    private static final String TOKEN = "dw_twin_token";
    private static final int RUNS = 10;

    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;
    private static WebhookReceiver receiver;

    @BeforeAll
    static void start() {
        receiver = new WebhookReceiver();
        receiver.delay(Duration.ofMillis(25)); // deliveries take time, so the two dispatchers overlap
        String url = AlertDatabase.url("alerts_twin");
        first = instance(url, "instance-a");
        second = instance(url, "instance-b");
    }

    private static ConfigurableApplicationContext instance(String url, String name) {
        // command-line arguments, so they win over application.properties (server.port=${PORT:8080})
        return new SpringApplicationBuilder(DriftwatchApplication.class).run(
                "--spring.datasource.url=" + url,
                "--spring.datasource.username=postgres",
                "--spring.datasource.hikari.maximum-pool-size=5",
                "--server.port=0",
                "--driftwatch.bootstrap.project=" + PROJECT,
                "--driftwatch.bootstrap.token=" + TOKEN,
                "--driftwatch.alerts.instance-name=" + name,
                "--driftwatch.alerts.dispatch-interval=50ms",
                "--driftwatch.alerts.batch-size=2",
                "--driftwatch.alerts.webhook-secret=twin",
                "--driftwatch.alerts.outbound.allow=127.0.0.1/32,localhost");
    }

    @AfterAll
    static void stop() {
        for (ConfigurableApplicationContext c : new ConfigurableApplicationContext[] {first, second}) {
            if (c != null) {
                c.close();
            }
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private static Api api(ConfigurableApplicationContext c) {
        return new Api("http://localhost:" + c.getEnvironment().getProperty("local.server.port"), TOKEN);
    }

    @Test
    void eachNotificationIsDeliveredExactlyOnce() {
        Api a = api(first);
        Api b = api(second);
        String rule = """
                {"name": "twin", "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5},
                 "channels": [{"type": "webhook", "url": "%s"}, {"type": "webhook", "url": "%s"}]}
                """.formatted(receiver.url("/one"), receiver.url("/two"));
        assertThat(a.json("POST", "/api/v1/projects/" + PROJECT + "/alert-rules", rule).status()).isEqualTo(201);
        for (int i = 0; i < RUNS; i++) {
            Api via = i % 2 == 0 ? a : b;
            Api other = i % 2 == 0 ? b : a;
            String run = "twin-run-" + i;
            ObjectNode body = Payloads.run("full", 1000, 1000);
            ((ArrayNode) body.get("tags")).add("twin");
            assertThat(via.putRun(PROJECT, run, body).status()).isEqualTo(201);
            // fires through one instance, resolves through the other
            assertThat(via.postCheckpoints(PROJECT, run, Payloads.batch(Payloads.checkpoint(10, 0.9))).status())
                    .isEqualTo(200);
            assertThat(other.postCheckpoints(PROJECT, run, Payloads.batch(Payloads.checkpoint(20, 0.1))).status())
                    .isEqualTo(200);
        }
        int expected = RUNS * 2 * 2; // firing + resolved, two channels
        JdbcTemplate jdbc = first.getBean(JdbcTemplate.class);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM notification", Long.class)).isEqualTo(expected);
        await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM notification WHERE status = 'delivered'", Long.class) == expected);
        // nothing arrives late
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(3))
                .until(() -> receiver.all().size() == expected);

        Map<String, Long> perDelivery = receiver.all().stream()
                .collect(Collectors.groupingBy(r -> r.headers().get("x-driftwatch-delivery"), Collectors.counting()));
        assertThat(perDelivery).hasSize(expected);
        assertThat(perDelivery.values()).containsOnly(1L);
        List<String> stored = jdbc.queryForList("SELECT delivery_id::text FROM notification", String.class);
        assertThat(perDelivery.keySet()).containsExactlyInAnyOrderElementsOf(stored);

        Map<String, Long> attemptsByInstance = jdbc.queryForList("SELECT instance FROM notification_attempt",
                String.class).stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(attemptsByInstance.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expected);
        assertThat(attemptsByInstance).as("both instances delivered").containsOnlyKeys("instance-a", "instance-b");
    }
}
