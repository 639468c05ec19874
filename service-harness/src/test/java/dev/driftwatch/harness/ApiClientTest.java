package dev.driftwatch.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API client against a JDK HTTP server that records what it received and answers as told. */
class ApiClientTest {

    /** What the server received. */
    private record Received(String method, String uri, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : v.get(0);
        }
    }

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private HttpServer server;
    private String base;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()),
                    Map.copyOf(exchange.getRequestHeaders()), exchange.getRequestBody().readAllBytes()));
            String path = exchange.getRequestURI().getPath();
            int status = path.endsWith("/missing") ? 404 : path.endsWith("/bad") ? 400 : 200;
            String body = path.endsWith("/list") ? "[1, 2.5, {\"a\": true}]"
                    : status == 400 ? "{\"title\": \"Bad Request\", \"detail\": \"step is negative\"}"
                    : "{\"name\": \"r\", \"flags\": [\"drifts-far\"], \"count\": 3}";
            exchange.getResponseHeaders().add("Content-Type",
                    status == 400 ? "application/problem+json" : "application/json");
            if (status == 400) {
                exchange.getResponseHeaders().add("Retry-After", "7");
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        base = "http://localhost:" + server.getAddress().getPort() + "/";
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void sendsTheTokenTheHeadersAndAGzippedBody() throws Exception {
        ApiClient api = new ApiClient(base, "dw_one").withHeader("X-Driftwatch-Contract", "1.0");
        ApiClient.Answer a = api.send("POST", "/api/v1/x", "application/json",
                "{\"k\": 1}".getBytes(StandardCharsets.UTF_8), true);

        Received r = received.take();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.uri()).isEqualTo("/api/v1/x");
        assertThat(r.header("Authorization")).isEqualTo("Bearer dw_one");
        assertThat(r.header("X-driftwatch-contract")).isEqualTo("1.0");
        assertThat(r.header("Content-encoding")).isEqualTo("gzip");
        assertThat(new String(new GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes(),
                StandardCharsets.UTF_8)).isEqualTo("{\"k\": 1}");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.ok()).isTrue();
        assertThat(a.json().get("count").intValue()).isEqualTo(3);
        assertThat(a.body()).containsEntry("name", "r").containsEntry("count", 3);
        assertThat(ApiClient.list(a.body(), "flags")).containsExactly("drifts-far");

        api.withToken(null).get("/plain");
        assertThat(received.take().header("Authorization")).isNull();
    }

    @Test
    void aProjectClientReadsRunsUnderTheProjectAndTellsAMissingOne() throws Exception {
        ApiClient api = new ApiClient(base, "dw_two").withProject("my project");

        assertThat(api.run("r")).hasValueSatisfying(run -> assertThat(run).containsEntry("name", "r"));
        assertThat(received.take().uri()).isEqualTo("/api/v1/projects/my%20project/runs/r");
        assertThat(api.run("missing")).isEmpty();
        assertThat(api.getInProject("/list").array()).containsExactly(1, 2.5, Map.of("a", true));

        api.postInProject("/alert-rules", Map.of("name", "n", "for", 2));
        received.take();
        received.take();
        Received post = received.take();
        assertThat(post.header("Content-type")).isEqualTo("application/json");
        assertThat(ApiClient.JSON.readTree(post.body()).get("for").intValue()).isEqualTo(2);

        assertThatThrownBy(() -> new ApiClient(base, "t").getInProject("/alerts"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("withProject");
    }

    @Test
    void aProblemIsAnAnswerAndRequireNamesIt() {
        ApiClient.Answer a = new ApiClient(base, "t").json("PUT", "/bad", "{}");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.ok()).isFalse();
        assertThat(a.isProblem()).isTrue();
        assertThat(a.retryAfter()).isEqualTo("7");
        assertThat(a.array()).isEmpty();
        assertThatThrownBy(() -> a.require("put it")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot put it: HTTP 400").hasMessageContaining("step is negative");
    }

    @Test
    void aServiceThatDoesNotAnswerIsAnIllegalState() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        ApiClient api = new ApiClient("http://127.0.0.1:" + closed, "t");
        assertThatThrownBy(() -> api.get("/x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not answer GET /x");
    }
}
