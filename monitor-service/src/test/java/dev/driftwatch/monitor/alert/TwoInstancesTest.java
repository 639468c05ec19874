package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.driftwatch.monitor.DriftwatchApplication;
import dev.driftwatch.monitor.alert.notify.NotificationDispatcher;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.harness.ServiceProcess;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.UiSession;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two service instances (two application contexts) on one PostgreSQL database, both ingesting and
 * both dispatching, as replicas behind a load balancer: every notification reaches the receiver
 * once; a slow receiver holds neither a row lock nor a pooled connection; an instance killed after
 * claiming a notification leaves it, after its lease, to another instance that sends it with the same
 * idempotency key; and an upload to one instance reaches the run pages open on the other.
 */
@Timeout(300)
class TwoInstancesTest {

    private static final String PROJECT = "twin";
    private static final String TOKEN = "dw_twin_token";
    private static final String USER = "twin-admin";
    private static final String PASSWORD = "twin-ui-password";
    private static final int RUNS = 10;

    private static String url;
    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;
    private static WebhookReceiver receiver;

    @BeforeAll
    static void start() {
        receiver = new WebhookReceiver();
        receiver.delay(Duration.ofMillis(25)); // deliveries take time, so the two dispatchers overlap
        url = AlertDatabase.url("alerts_twin");
        first = instance("instance-a");
        second = instance("instance-b");
    }

    private static ConfigurableApplicationContext instance(String name) {
        // command-line arguments, so they win over application.properties (server.port=${PORT:8080})
        return new SpringApplicationBuilder(DriftwatchApplication.class).run(arguments(name, "--server.port=0"));
    }

    private static String[] arguments(String name, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "--spring.datasource.url=" + url,
                "--spring.datasource.username=postgres",
                "--spring.datasource.hikari.maximum-pool-size=5",
                "--driftwatch.bootstrap.project=" + PROJECT,
                "--driftwatch.bootstrap.token=" + TOKEN,
                "--driftwatch.security.admin-username=" + USER,
                "--driftwatch.security.admin-password=" + PASSWORD,
                "--driftwatch.alerts.instance-name=" + name,
                "--driftwatch.alerts.dispatch-interval=50ms",
                "--driftwatch.alerts.batch-size=2",
                "--driftwatch.alerts.webhook-secret=twin",
                "--driftwatch.alerts.outbound.allow=127.0.0.1/32,localhost"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
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

    private static String base(ConfigurableApplicationContext c) {
        return "http://localhost:" + c.getEnvironment().getProperty("local.server.port");
    }

    private static ApiClient api(ConfigurableApplicationContext c) {
        return new ApiClient(base(c), TOKEN);
    }

    /** Creates a rule that fires above 0.5 on one run (or every run with a tag) and returns its id. */
    private static long rule(String scope, String... paths) {
        StringBuilder channels = new StringBuilder();
        for (String p : paths) {
            channels.append(channels.length() == 0 ? "" : ", ")
                    .append("{\"type\": \"webhook\", \"url\": \"").append(receiver.url(p)).append("\"}");
        }
        String body = """
                {"name": "twin", "scope": %s,
                 "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5},
                 "channels": [%s]}
                """.formatted(scope, channels);
        ApiClient.Answer a = api(first).json("POST", "/api/v1/projects/" + PROJECT + "/alert-rules", body);
        assertThat(a.status()).as(a.text()).isEqualTo(201);
        return a.json().get("id").longValue();
    }

    private static void newRun(ApiClient via, String run) {
        assertThat(via.putRun(PROJECT, run, Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
    }

    private static JdbcTemplate jdbc() {
        return first.getBean(JdbcTemplate.class);
    }

    @Test
    void eachNotificationIsDeliveredOnceWhenBothInstancesDispatch() {
        ApiClient a = api(first);
        ApiClient b = api(second);
        long rule = rule("{\"tag\": \"twin\"}", "/one", "/two");
        for (int i = 0; i < RUNS; i++) {
            ApiClient via = i % 2 == 0 ? a : b;
            ApiClient other = i % 2 == 0 ? b : a;
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
        JdbcTemplate jdbc = jdbc();
        String ofRule = " FROM notification n JOIN alert a ON a.id = n.alert_id WHERE a.rule_id = " + rule;
        assertThat(jdbc.queryForObject("SELECT count(*)" + ofRule, Long.class)).isEqualTo(expected);
        await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                "SELECT count(*)" + ofRule + " AND n.status = 'delivered'", Long.class) == expected);
        // nothing arrives late
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(3))
                .until(() -> receiver.on("/one").size() + receiver.on("/two").size() == expected);

        List<WebhookReceiver.Received> received = new java.util.ArrayList<>(receiver.on("/one"));
        received.addAll(receiver.on("/two"));
        Map<String, Long> perDelivery = received.stream()
                .collect(Collectors.groupingBy(r -> r.headers().get("idempotency-key"), Collectors.counting()));
        assertThat(perDelivery).hasSize(expected);
        assertThat(perDelivery.values()).containsOnly(1L);
        assertThat(received).allSatisfy(r ->
                assertThat(r.headers().get("idempotency-key")).isEqualTo(r.headers().get("x-driftwatch-delivery")));
        List<String> stored = jdbc.queryForList("SELECT n.delivery_id::text" + ofRule, String.class);
        assertThat(perDelivery.keySet()).containsExactlyInAnyOrderElementsOf(stored);

        Map<String, Long> attemptsByInstance = jdbc.queryForList("SELECT t.instance FROM notification_attempt t"
                + " JOIN notification n ON n.id = t.notification_id JOIN alert a ON a.id = n.alert_id"
                + " WHERE a.rule_id = " + rule, String.class).stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(attemptsByInstance.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expected);
        assertThat(attemptsByInstance).as("both instances delivered").containsOnlyKeys("instance-a", "instance-b");
    }

    @Test
    void aReceiverThatHangsHoldsNoRowLockAndNoPooledConnection() throws Exception {
        String run = "twin-slow";
        rule("{\"run\": \"" + run + "\"}", "/slow");
        CountDownLatch hanging = receiver.hold("/slow");
        try {
            newRun(api(first), run);
            assertThat(api(first).postCheckpoints(PROJECT, run, Payloads.batch(Payloads.checkpoint(10, 0.9))).status())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> receiver.inFlight("/slow") == 1);

            // while the receiver hangs: the row can be locked at once by anyone ...
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                var rs = st.executeQuery("SELECT status, claimed_by FROM notification WHERE channel_url = '"
                        + receiver.url("/slow") + "' FOR UPDATE NOWAIT");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("pending");
                assertThat(rs.getString(2)).isIn("instance-a", "instance-b");
                c.rollback();
                // ... no session of the service sits in an open transaction ...
                var open = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND state LIKE 'idle in transaction%'");
                open.next();
                assertThat(open.getInt(1)).isZero();
            }
            // ... and neither instance has a connection out of its pool
            for (ConfigurableApplicationContext c : List.of(first, second)) {
                HikariDataSource pool = c.getBean(DataSource.class).unwrap(HikariDataSource.class);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> pool.getHikariPoolMXBean().getActiveConnections() == 0);
            }
            assertThat(receiver.inFlight("/slow")).as("still hanging").isEqualTo(1);
        } finally {
            hanging.countDown();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> "delivered".equals(jdbc().queryForObject(
                "SELECT status FROM notification WHERE channel_url = ?", String.class, receiver.url("/slow"))));
        assertThat(receiver.on("/slow")).hasSize(1);
    }

    @Test
    void anInstanceKilledAfterItsClaimLeavesTheDeliveryToAnotherWithTheSameKey() throws Exception {
        String run = "twin-dying";
        rule("{\"run\": \"" + run + "\"}", "/dying");
        newRun(api(first), run);
        List<NotificationDispatcher> ours = List.of(first.getBean(NotificationDispatcher.class),
                second.getBean(NotificationDispatcher.class));
        ours.forEach(NotificationDispatcher::stop); // only the instance about to die dispatches
        Path log = Files.createTempFile("driftwatch-dying", ".log");
        CountDownLatch hanging = receiver.hold("/dying");
        ServiceProcess dying = ServiceProcess.builder().fromCurrentClasspath().logFile(log)
                .arguments(arguments("instance-c", "--driftwatch.alerts.connect-timeout=1s",
                        "--driftwatch.alerts.request-timeout=2s", "--driftwatch.alerts.lease=4s"))
                .build().launch();
        try {
            assertThat(api(first).postCheckpoints(PROJECT, run, Payloads.batch(Payloads.checkpoint(10, 0.9))).status())
                    .isEqualTo(200);
            // the child claims it and sends; the receiver hangs; the child is killed mid-send
            await().atMost(Duration.ofSeconds(120)).until(() -> receiver.inFlight("/dying") == 1);
            dying.kill();
            Map<String, Object> claimed = jdbc().queryForMap(
                    "SELECT status, claimed_by, attempts FROM notification WHERE channel_url = ?", receiver.url("/dying"));
            assertThat(claimed).containsEntry("status", "pending").containsEntry("claimed_by", "instance-c")
                    .containsEntry("attempts", 1);
        } finally {
            dying.kill();
            hanging.countDown();
            ours.forEach(NotificationDispatcher::start);
        }
        // once the lease has run out, a surviving instance sends it again under the same key
        await().atMost(Duration.ofSeconds(30)).until(() -> "delivered".equals(jdbc().queryForObject(
                "SELECT status FROM notification WHERE channel_url = ?", String.class, receiver.url("/dying"))));
        List<WebhookReceiver.Received> got = receiver.on("/dying");
        assertThat(got).hasSize(2);
        assertThat(got.get(1).headers().get("idempotency-key")).isEqualTo(got.get(0).headers().get("idempotency-key"))
                .isEqualTo(got.get(1).headers().get("x-driftwatch-delivery"));
        assertThat(Duration.between(got.get(0).at(), got.get(1).at())).as("not before the lease ended")
                .isGreaterThan(Duration.ofSeconds(3));
        Map<String, Object> done = jdbc().queryForMap(
                "SELECT claimed_by, attempts, delivery_id::text AS id FROM notification WHERE channel_url = ?",
                receiver.url("/dying"));
        assertThat(done.get("claimed_by")).isIn("instance-a", "instance-b");
        assertThat(done).containsEntry("attempts", 2).containsEntry("id", got.get(0).headers().get("idempotency-key"));
        // the killed instance never recorded its attempt; the survivor recorded attempt 2
        assertThat(jdbc().queryForList("SELECT t.attempt, t.instance, t.outcome FROM notification_attempt t"
                + " JOIN notification n ON n.id = t.notification_id WHERE n.channel_url = ?", receiver.url("/dying")))
                .singleElement().satisfies(a -> {
                    assertThat(a).containsEntry("attempt", 2).containsEntry("outcome", "delivered");
                    assertThat(a.get("instance")).isEqualTo(done.get("claimed_by"));
                });
    }

    @Test
    void anUploadToOneInstanceReachesTheRunPageOpenOnTheOther() throws Exception {
        String run = "twin-live";
        newRun(api(first), run);
        HttpResponse<InputStream> page = UiSession.loggedIn(base(second), USER, PASSWORD).events(PROJECT, run);
        BufferedReader lines = new BufferedReader(new InputStreamReader(page.body(), StandardCharsets.UTF_8));
        CompletableFuture<String> heard = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                boolean event = false;
                while ((line = lines.readLine()) != null) {
                    if (line.equals("event:checkpoints")) {
                        event = true;
                    } else if (event && line.startsWith("data:")) {
                        return line.substring(5);
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(api(first).postCheckpoints(PROJECT, run,
                Payloads.batch(Payloads.checkpoint(7, 0.1), Payloads.checkpoint(3, 0.1))).status()).isEqualTo(200);
        JsonNode event = ApiClient.JSON.readTree(heard.get(20, TimeUnit.SECONDS));
        assertThat(event.get("runKey").stringValue()).isEqualTo(run);
        assertThat(event.get("count").intValue()).isEqualTo(2);
        assertThat(event.get("lastStep").longValue()).isEqualTo(7);
        page.body().close();
    }
}
