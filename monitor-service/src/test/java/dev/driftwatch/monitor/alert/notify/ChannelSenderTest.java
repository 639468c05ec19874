package dev.driftwatch.monitor.alert.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.driftwatch.monitor.alert.notify.AlertsProperties;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * F5's send side: a denied destination is not contacted at all (re-checked at send time), and what a
 * receiver answers never reaches the alert's error (only the status and its standard reason), nor do
 * connection details that would tell closed ports from open ones.
 */
class ChannelSenderTest {

    private HttpServer receiver;
    private final AtomicInteger hits = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            hits.incrementAndGet();
            byte[] body = "postgres: FATAL secret-internal-banner".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(500, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    private static AlertsProperties alerts() {
        return new Binder(new MapConfigurationPropertySource(java.util.Map.of("driftwatch.alerts.instance-name", "t")))
                .bindOrCreate("driftwatch.alerts", AlertsProperties.class);
    }

    @Test
    void aDeniedDestinationIsNeverContacted() {
        HttpPoster sender = new HttpPoster(alerts(), new OutboundPolicy(new OutboundProperties(List.of())));
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        ChannelSender.Outcome o = sender.postJson(url, UUID.randomUUID(), "{}".getBytes(StandardCharsets.UTF_8), java.util.Map.of());
        assertThat(o.verdict()).isEqualTo(ChannelSender.Verdict.FAILED);
        assertThat(o.error()).doesNotContain("127.0.0.1");
        assertThat(hits.get()).isZero();
    }

    @Test
    void theReceiversAnswerAndConnectionDetailsAreNotEchoed() throws Exception {
        HttpPoster sender = new HttpPoster(alerts(),
                new OutboundPolicy(new OutboundProperties(List.of("127.0.0.1/32"))));
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        ChannelSender.Outcome o = sender.postJson(url, UUID.randomUUID(), "{}".getBytes(StandardCharsets.UTF_8), java.util.Map.of());
        assertThat(hits.get()).isEqualTo(1);
        assertThat(o.error()).isEqualTo("HTTP 500 Internal Server Error");
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        ChannelSender.Outcome refused = sender.postJson("http://127.0.0.1:" + closed + "/x",
                UUID.randomUUID(), "{}".getBytes(StandardCharsets.UTF_8), java.util.Map.of());
        assertThat(refused.error()).isEqualTo("no answer from the receiver (connection failed or timed out)");
    }
}
