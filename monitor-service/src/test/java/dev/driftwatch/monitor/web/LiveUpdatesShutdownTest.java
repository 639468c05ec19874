package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.monitor.DriftwatchApplication;
import dev.driftwatch.monitor.support.SharedPostgres;
import dev.driftwatch.monitor.support.UiSession;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
        UiSession ui = UiSession.loggedIn(base, WebTestBase.USER, WebTestBase.PASSWORD);
        LiveUpdates live = app.getBean(LiveUpdates.class);

        // HEAD answers the stream's headers and ends: no stream is opened, no connection held
        HttpResponse<String> head = ui.head("/projects/" + PROJECT + "/runs/" + runKey + "/events");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertThat(live.openStreams()).isZero();
        assertThat(ui.head("/projects/" + PROJECT + "/runs/no-such-run/events").statusCode()).isEqualTo(404);

        // a page that went away is found by the heartbeat and dropped
        HttpResponse<InputStream> gone = ui.events(PROJECT, runKey);
        await().atMost(Duration.ofSeconds(10)).until(() -> live.openStreams() == 1);
        gone.body().close();
        await().atMost(Duration.ofSeconds(20)).until(() -> live.openStreams() == 0);

        // an open page hears the heartbeat ...
        HttpResponse<InputStream> page = ui.events(PROJECT, runKey);
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
}
