package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.monitor.DriftwatchApplication;
import dev.driftwatch.monitor.support.SharedPostgres;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An open run page's event stream neither holds up a graceful shutdown nor lingers after its browser
 * went away. Runs an instance of its own (closing the shared test context would break other tests).
 */
class LiveUpdatesShutdownTest {

    private static final String PROJECT = "sse";
    private static final String TOKEN = "dw_sse_token";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private ConfigurableApplicationContext app;

    @AfterEach
    void closeApp() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    @Timeout(120)
    void openStreamsAreHeartbeatenDroppedWhenDeadAndEndedAtShutdown() throws Exception {
        app = new SpringApplicationBuilder(DriftwatchApplication.class).run(
                "--spring.datasource.url=" + SharedPostgres.jdbcUrl("postgres"),
                "--spring.datasource.username=postgres",
                "--spring.datasource.hikari.maximum-pool-size=3",
                "--server.port=0",
                "--driftwatch.bootstrap.project=" + PROJECT,
                "--driftwatch.bootstrap.token=" + TOKEN,
                "--driftwatch.security.admin-username=" + WebTestBase.USER,
                "--driftwatch.security.admin-password=" + WebTestBase.PASSWORD,
                "--driftwatch.web.sse-heartbeat=200ms");
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
        Duration shutdownTimeout = app.getEnvironment()
                .getProperty("spring.lifecycle.timeout-per-shutdown-phase", Duration.class);
        assertThat(shutdownTimeout).isNotNull();
        String base = "http://localhost:" + port;
        String runKey = "sse-" + System.nanoTime();
        new Uploads(port, PROJECT, TOKEN).run(runKey, "SSE run", "full", 1000);
        login(base);
        LiveUpdates live = app.getBean(LiveUpdates.class);
        URI events = URI.create(base + "/projects/" + PROJECT + "/runs/" + runKey + "/events");

        // a page that went away is found by the heartbeat and dropped
        HttpResponse<InputStream> gone = open(events);
        await().atMost(Duration.ofSeconds(10)).until(() -> live.openStreams() == 1);
        gone.body().close();
        await().atMost(Duration.ofSeconds(20)).until(() -> live.openStreams() == 0);

        // an open page hears the heartbeat ...
        HttpResponse<InputStream> page = open(events);
        BufferedReader lines = new BufferedReader(new InputStreamReader(page.body(), StandardCharsets.UTF_8));
        String line;
        do {
            line = lines.readLine();
        } while (line != null && !line.equals(":heartbeat"));
        assertThat(line).as("a heartbeat comment").isEqualTo(":heartbeat");

        // ... and its stream ends at shutdown, long before the shutdown timeout
        CompletableFuture<Void> endOfStream = CompletableFuture.runAsync(() -> {
            try {
                while (lines.readLine() != null) {
                    // heartbeats until the server completes the stream
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long started = System.nanoTime();
        app.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        app = null;
        assertThat(took).as("shutdown with an open event stream").isLessThan(shutdownTimeout.dividedBy(2));
        endOfStream.get(shutdownTimeout.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(endOfStream).isCompleted();
    }

    private HttpResponse<InputStream> open(URI events) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(events).header("Accept", "text/event-stream")
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return r;
    }

    /** Logs the client's cookie session in through the login form, CSRF token included. */
    private void login(String base) throws Exception {
        String form = http.send(HttpRequest.newBuilder(URI.create(base + "/login")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = CSRF.matcher(form);
        assertThat(m.find()).as("the login form's CSRF token").isTrue();
        String body = "username=" + enc(WebTestBase.USER) + "&password=" + enc(WebTestBase.PASSWORD)
                + "&_csrf=" + enc(m.group(1));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location").orElse("")).doesNotContain("error");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
