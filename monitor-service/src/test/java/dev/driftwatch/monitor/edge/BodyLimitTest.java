package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.node.ObjectNode;

/**
 * F1: a 200 MB body on every write endpoint, streamed from a generator (never held in the test's
 * heap), both with a declared Content-Length and chunked (no length: rejected while streaming).
 * Every API answer is a 413 problem sent before the body was read, the UI's forms are refused too,
 * liveness answers throughout, and the service keeps working afterwards.
 */
class BodyLimitTest extends ServiceTestBase {

    private static final long HUGE = 200L * 1024 * 1024;
    private static final String P = ServiceTest.PROJECT;

    /** One write endpoint: method, path, content type and the valid start of a body. */
    private record Endpoint(String method, String path, String contentType, String prefix) {}

    /** What the raw client saw. */
    private record Answer(int status, String contentType, long bytesSentBeforeAnswer) {}

    @Test
    @Timeout(300)
    void a200MegabyteBodyOnEveryWriteEndpointIsRejectedWhileLivenessAnswers() throws Exception {
        String runKey = uniqueRunKey("huge");
        assertThat(api().putRun(P, runKey, Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ApiClient.Answer rule = api().json("POST", "/api/v1/projects/" + P + "/alert-rules", """
                {"name": "huge", "condition": {"type": "flag"}}""");
        assertThat(rule.status()).as(rule.text()).isEqualTo(201);
        long ruleId = rule.json().get("id").longValue();
        String settings = "{\"trainableFractionThreshold\":0.1,\"klThreshold\":0.5,\"driftFactor\":3.0,"
                + "\"lossTolerance\":0.1,\"huge\":\"";
        String runs = "/api/v1/projects/" + P + "/runs/" + runKey;
        List<Endpoint> api = List.of(
                new Endpoint("PUT", "/api/v1/projects/" + P + "/settings", "application/json", settings),
                new Endpoint("POST", "/api/v1/projects/" + P + "/alert-rules", "application/json",
                        "{\"name\":\"x\",\"huge\":\""),
                new Endpoint("PUT", "/api/v1/projects/" + P + "/alert-rules/" + ruleId, "application/json",
                        "{\"name\":\"x\",\"huge\":\""),
                new Endpoint("PUT", runs, "application/json", "{\"name\":\"x\",\"huge\":\""),
                new Endpoint("POST", runs + "/checkpoints", "application/json", "{\"checkpoints\":[],\"huge\":\""),
                new Endpoint("POST", runs + "/finish", "application/json", "{\"status\":\"finished\",\"huge\":\""));
        List<Endpoint> forms = List.of(
                new Endpoint("POST", "/login", "application/x-www-form-urlencoded", "username=admin&password="),
                new Endpoint("POST", "/projects", "application/x-www-form-urlencoded", "key=k&name="),
                new Endpoint("POST", "/projects/" + P + "/settings", "application/x-www-form-urlencoded", "name="),
                new Endpoint("POST", "/projects/" + P + "/rules", "application/x-www-form-urlencoded", "name="),
                new Endpoint("POST", "/projects/" + P + "/tokens", "application/x-www-form-urlencoded", "name="));

        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger liveAnswers = new AtomicInteger();
        List<String> liveFailures = new CopyOnWriteArrayList<>();
        Thread liveness = new Thread(() -> {
            ApiClient probe = api().withToken(null);
            while (!done.get()) {
                try {
                    long t0 = System.nanoTime();
                    ApiClient.Answer a = probe.get("/actuator/health/liveness");
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    if (a.status() != 200 || ms > 5000) {
                        liveFailures.add(a.status() + " after " + ms + " ms");
                    }
                    liveAnswers.incrementAndGet();
                    Thread.sleep(50);
                } catch (Exception e) {
                    liveFailures.add(e.toString());
                }
            }
        }, "liveness-probe");
        liveness.start();
        List<String> seen = new ArrayList<>();
        try {
            for (Endpoint e : api) {
                for (boolean chunked : new boolean[] {false, true}) {
                    Answer a = send(e, chunked);
                    seen.add(e.method() + " " + e.path() + (chunked ? " chunked" : "") + " -> " + a);
                    assertThat(a.status()).as(e + " chunked=" + chunked).isEqualTo(413);
                    assertThat(a.contentType()).startsWith("application/problem+json");
                    // rejected long before the body was read: the limit plus what Tomcat swallows
                    assertThat(a.bytesSentBeforeAnswer()).as(e + " chunked=" + chunked).isLessThan(HUGE / 2);
                }
            }
            for (Endpoint e : forms) {
                for (boolean chunked : new boolean[] {false, true}) {
                    Answer a = send(e, chunked);
                    seen.add(e.method() + " " + e.path() + (chunked ? " chunked" : "") + " -> " + a);
                    assertThat(a.status()).as(e + " chunked=" + chunked).isBetween(400, 499);
                    assertThat(a.bytesSentBeforeAnswer()).as(e + " chunked=" + chunked).isLessThan(HUGE / 2);
                }
            }
            // the refusals can all come back in well under a second: let the probe see a few answers
            // before it stops (its failures, if any, are asserted below)
            await().atMost(Duration.ofSeconds(30)).until(() -> liveAnswers.get() > 5 || !liveFailures.isEmpty());
        } finally {
            done.set(true);
            liveness.join(10_000);
        }
        assertThat(liveFailures).as(String.join("\n", seen)).isEmpty();
        assertThat(liveAnswers.get()).isGreaterThan(5);
        // still serving, and nothing of the huge bodies was stored
        assertThat(api().get("/api/v1/projects/" + P).status()).isEqualTo(200);
        assertThat(api().postCheckpoints(P, runKey, Payloads.batch(Payloads.checkpoint(1, 0.1))).status())
                .isEqualTo(200);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM alert_rule WHERE name = 'x'", Long.class)).isZero();
    }

    @Test
    void smallDocumentsAreHeldToTheDocumentLimitWhileACheckpointBatchMayBeLarger() {
        // 2 MB of empty objects: parsed, a tree of ~28 times its bytes of heap
        String numbers = "[" + "{},".repeat(700_000) + "{}]";
        String settings = "{\"trainableFractionThreshold\":0.1,\"klThreshold\":0.5,\"driftFactor\":3.0,"
                + "\"lossTolerance\":0.1,\"numbers\":" + numbers + "}";
        String rule = "{\"name\":\"numbers\",\"condition\":{\"type\":\"flag\"},\"numbers\":" + numbers + "}";
        for (ApiClient.Answer a : List.of(api().json("PUT", "/api/v1/projects/" + P + "/settings", settings),
                api().json("POST", "/api/v1/projects/" + P + "/alert-rules", rule))) {
            assertThat(a.status()).as(a.text()).isEqualTo(413);
            assertThat(a.contentType()).startsWith("application/problem+json");
            assertThat(a.text()).contains("1048576");
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM alert_rule WHERE name = 'numbers'", Long.class)).isZero();

        // ingestion keeps its own, larger limit: a batch of well over 1 MB is stored
        String runKey = uniqueRunKey("large-batch");
        assertThat(api().putRun(P, runKey, Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ObjectNode[] checkpoints = new ObjectNode[600];
        for (int i = 0; i < checkpoints.length; i++) {
            checkpoints[i] = Payloads.fullCheckpoint(10L * (i + 1), 0.01 * (i + 1), 2.0);
        }
        ObjectNode batch = Payloads.batch(checkpoints);
        assertThat(batch.toString().length()).as("the batch's size").isGreaterThan(1024 * 1024);
        ApiClient.Answer stored = api().postCheckpoints(P, runKey, batch);
        assertThat(stored.status()).as(stored.text()).isEqualTo(200);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM checkpoint c JOIN run r ON r.id = c.run_id"
                + " WHERE r.run_key = ?", Long.class, runKey)).isEqualTo(600L);
    }

    /**
     * Streams a {@value #HUGE}-byte body from a generator on a raw socket while another thread waits
     * for the answer; the writer stops when the answer arrives or the server closes the connection.
     */
    private Answer send(Endpoint e, boolean chunked) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout((int) Duration.ofSeconds(120).toMillis());
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder()
                    .append(e.method()).append(' ').append(e.path()).append(" HTTP/1.1\r\n")
                    .append("Host: localhost\r\n")
                    .append("Content-Type: ").append(e.contentType()).append("\r\n");
            if (e.path().startsWith("/api/")) {
                head.append("Authorization: Bearer ").append(ServiceTest.TOKEN).append("\r\n");
            }
            head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + HUGE + "\r\n");
            head.append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicLong sent = new AtomicLong();
            AtomicBoolean answered = new AtomicBoolean();
            Thread writer = new Thread(() -> streamBody(out, e.prefix(), chunked, sent, answered), "huge-writer");
            writer.setDaemon(true);
            writer.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            String statusLine = in.readLine();
            long sentAtAnswer = sent.get();
            answered.set(true);
            assertThat(statusLine).as(e.toString()).isNotNull().startsWith("HTTP/1.1 ");
            int status = Integer.parseInt(statusLine.substring(9, 12));
            String contentType = "";
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
                    contentType = line.substring(13).trim();
                }
            }
            socket.close();
            writer.join(30_000);
            return new Answer(status, contentType, sentAtAnswer);
        }
    }

    private static void streamBody(OutputStream out, String prefix, boolean chunked, AtomicLong sent,
            AtomicBoolean answered) {
        byte[] block = new byte[64 * 1024];
        java.util.Arrays.fill(block, (byte) 'a');
        byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
        try {
            writePiece(out, start, start.length, chunked);
            sent.addAndGet(start.length);
            while (sent.get() < HUGE && !answered.get()) {
                int n = (int) Math.min(block.length, HUGE - sent.get());
                writePiece(out, block, n, chunked);
                sent.addAndGet(n);
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        } catch (IOException closed) {
            // the server answered and closed the connection: exactly what should happen
        }
    }

    private static void writePiece(OutputStream out, byte[] data, int n, boolean chunked) throws IOException {
        if (chunked) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        out.write(data, 0, n);
        if (chunked) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }
}
