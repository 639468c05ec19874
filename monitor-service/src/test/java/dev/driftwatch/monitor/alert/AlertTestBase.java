package dev.driftwatch.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Base of the alerting tests: the service, its database, a webhook receiver, and upload helpers. */
@AlertTest
abstract class AlertTestBase {

    @LocalServerPort
    private int port;

    /** Direct SQL, to assert what is (not) stored. */
    @Autowired
    protected JdbcTemplate jdbc;

    /** A real HTTP receiver for the webhooks, new per test. */
    protected WebhookReceiver receiver;

    @BeforeEach
    void startReceiver() {
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    /** @return the service's base URL */
    protected String base() {
        return "http://localhost:" + port;
    }

    /** @return a client with the project's token */
    protected ApiClient api() {
        return new ApiClient("http://localhost:" + port, AlertTest.TOKEN);
    }

    /**
     * A key no other test uses.
     *
     * @param prefix a readable prefix
     * @return the key
     */
    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Creates a run with a tag of its own.
     *
     * @param runKey the run key
     * @param tag a tag, e.g. the test's, so rules can scope to it
     */
    protected void createRun(String runKey, String tag) {
        ObjectNode run = Payloads.run("full", 1000, 1000);
        ((ArrayNode) run.get("tags")).add(tag);
        assertThat(api().putRun(AlertTest.PROJECT, runKey, run).status()).isEqualTo(201);
    }

    /**
     * Uploads one checkpoint with a headline KL (CI ±10%) and optional slices.
     *
     * @param runKey the run
     * @param step the step
     * @param kl the headline KL mean
     * @param slices slice label to its KL mean
     */
    protected void upload(String runKey, long step, double kl, Map<String, Double> slices) {
        ObjectNode c = Payloads.checkpoint(step, kl);
        if (!slices.isEmpty()) {
            ArrayNode a = c.putArray("slices");
            slices.forEach((name, v) -> {
                ObjectNode s = a.addObject();
                s.put("slice", name);
                s.put("count", 50);
                s.putObject("metrics").set("kl_base_ft", Payloads.summary(50, v));
            });
        }
        ApiClient.Answer a = api().postCheckpoints(AlertTest.PROJECT, runKey, Payloads.batch(c));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
    }

    /** Uploads one checkpoint with a headline KL only. */
    protected void upload(String runKey, long step, double kl) {
        upload(runKey, step, kl, Map.of());
    }

    /**
     * Creates a run of 1000 planned steps (so forecasts can be made).
     *
     * @param prefix a readable prefix of its key
     * @return its key
     */
    protected String plannedRun(String prefix) {
        String runKey = unique(prefix);
        ObjectNode body = Payloads.run("full", 1000, 1000);
        ((ObjectNode) body.get("config")).put(dev.driftwatch.contract.RunInfo.PLANNED_STEPS, "1000");
        assertThat(api().putRun(AlertTest.PROJECT, runKey, body).status()).isEqualTo(201);
        return runKey;
    }

    /**
     * A run's database id.
     *
     * @param runKey its key
     * @return its id
     */
    protected long runId(String runKey) {
        return jdbc.queryForObject("SELECT id FROM run WHERE run_key = ?", Long.class, runKey);
    }

    /**
     * Creates a rule without channels scoped to one run, firing at the first checkpoint that meets it.
     *
     * @param runKey the run it watches
     * @param name its name
     * @param condition the condition object
     * @return its id
     */
    protected long createRule(String runKey, String name, String condition) {
        return createRule(rule(runKey, name, condition, 1, "[]")).get("id").longValue();
    }

    /**
     * Creates a rule through the API.
     *
     * @param json the rule body
     * @return the created rule
     */
    protected JsonNode createRule(String json) {
        ApiClient.Answer a = api().json("POST", rulesPath(), json);
        assertThat(a.status()).as(a.text()).isEqualTo(201);
        return a.json();
    }

    /** @return the rules collection path */
    protected static String rulesPath() {
        return "/api/v1/projects/" + AlertTest.PROJECT + "/alert-rules";
    }

    /** @return the alerts collection path */
    protected static String alertsPath() {
        return "/api/v1/projects/" + AlertTest.PROJECT + "/alerts";
    }

    /**
     * A threshold rule on the headline KL mean for one run, with a webhook to the receiver.
     *
     * @param runKey the run it watches
     * @param path the receiver path
     * @param threshold the threshold
     * @param forCount the for count
     * @return the JSON text
     */
    protected String thresholdRule(String runKey, String path, double threshold, int forCount) {
        return rule(runKey, "KL high " + runKey, """
                {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": %s}""".formatted(threshold),
                forCount, webhook(path));
    }

    /**
     * A rule body scoped to one run.
     *
     * @param runKey the run it watches
     * @param name the rule name
     * @param condition the condition object
     * @param forCount the for count
     * @param channels the channels array
     * @return the JSON text
     */
    protected static String rule(String runKey, String name, String condition, int forCount, String channels) {
        return """
                {"name": "%s", "scope": {"run": "%s"}, "condition": %s, "for": %d, "channels": %s}
                """.formatted(name, runKey, condition, forCount, channels);
    }

    /**
     * A channels array with one webhook to the receiver.
     *
     * @param path the receiver path
     * @return the JSON text
     */
    protected String webhook(String path) {
        return "[{\"type\": \"webhook\", \"url\": \"" + receiver.url(path) + "\"}]";
    }

    /**
     * Counts the notifications of a run's alerts in the outbox by status.
     *
     * @param runKey the run
     * @param status pending, delivered or failed
     * @return the count
     */
    protected long notifications(String runKey, String status) {
        return jdbc.queryForObject("""
                SELECT count(*) FROM notification n JOIN alert a ON a.id = n.alert_id JOIN run r ON r.id = a.run_id
                WHERE r.run_key = ? AND n.status = ?
                """, Long.class, runKey, status);
    }
}
