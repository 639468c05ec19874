package dev.driftwatch.plugin.ship;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request shape and the retry loop, with a fake clock and sleeper so nothing really waits. */
@Timeout(30)
class IngestionClientTest {

    private FakeService service;
    private final AtomicLong now = new AtomicLong();
    private final List<Duration> sleeps = new ArrayList<>();
    private final ShipCounters counters = new ShipCounters();

    @BeforeEach
    void start() throws Exception {
        service = new FakeService().start();
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
    }

    private IngestionClient client(RetryPolicy policy) {
        return client(policy, Duration.ofSeconds(5));
    }

    private IngestionClient client(RetryPolicy policy, Duration requestTimeout) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Sleeper fakeSleep = d -> {
            sleeps.add(d);
            now.addAndGet(d.toNanos());
        };
        return new IngestionClient(() -> http, URI.create(service.url() + "/"), "demo", "dw_secret", requestTimeout, policy,
                now::get, fakeSleep, () -> 0.5, counters, () -> Long.MAX_VALUE);
    }

    @Test
    void sendsGzippedJsonWithTokenAndUserAgent() {
        Outcome outcome = client(RetryPolicy.defaults()).postCheckpoints("run-1",
                List.of(Records.checkpoint("run-1", 1), Records.checkpoint("run-1", 2)));

        assertThat(outcome).isInstanceOf(Outcome.Delivered.class);
        FakeService.Seen seen = service.seen.get(0);
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(seen.path()).isEqualTo("/api/v1/projects/demo/runs/run-1/checkpoints");
        assertThat(seen.headers()).containsEntry("Authorization", "Bearer dw_secret")
                .containsEntry("Content-Encoding", "gzip")
                .containsEntry("Content-Type", "application/json");
        assertThat(seen.headers().get("User-Agent")).matches("driftwatch-trainer-plugin/\\d+\\.\\d+\\.\\d+.*");
        assertThat(service.acceptedSteps).containsExactly(1L, 2L);
        assertThat(((Map<?, ?>) ((List<?>) seen.json().get("checkpoints")).get(0)).get("runKey")).isEqualTo("run-1");
    }

    @Test
    void putsRunsAndFinishes() {
        IngestionClient client = client(RetryPolicy.defaults());
        assertThat(client.putRun(Records.run("r:1"))).isInstanceOf(Outcome.Delivered.class);
        assertThat(client.finish(Records.end("r:1"))).isInstanceOf(Outcome.Delivered.class);

        assertThat(service.seen).extracting(FakeService.Seen::method).containsExactly("PUT", "POST");
        assertThat(service.seen.get(0).path()).isEqualTo("/api/v1/projects/demo/runs/r%3A1");
        assertThat(service.seen.get(0).json()).containsEntry("name", "test run r:1").containsEntry("method", "full");
        assertThat(service.seen.get(1).path()).endsWith("/runs/r%3A1/finish");
        assertThat(service.seen.get(1).json()).containsEntry("status", "completed");
    }

    @Test
    void retriesTransientStatusesWithGrowingBackoff() {
        service.thenFail(FakeService.status(503), FakeService.status(502), FakeService.status(504));

        Outcome outcome = client(RetryPolicy.defaults()).finish(Records.end("run-1"));

        assertThat(outcome).isInstanceOf(Outcome.Delivered.class);
        assertThat(service.seen).hasSize(4);
        // jitter 0.5 → 3/4 of 250 ms, 500 ms, 1 s
        assertThat(sleeps).containsExactly(Duration.ofNanos(187_500_000), Duration.ofMillis(375),
                Duration.ofMillis(750));
        assertThat(counters.retried.get()).isEqualTo(3);
    }

    @Test
    void honoursRetryAfter() {
        service.thenFail(FakeService.status(429).setHeader("Retry-After", "7"),
                FakeService.status(503).setHeader("Retry-After", "2"));

        Outcome outcome = client(RetryPolicy.defaults()).finish(Records.end("run-1"));

        assertThat(outcome).isInstanceOf(Outcome.Delivered.class);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(2));
    }

    @Test
    void givesUpWhenTheLoopsTimeIsUp() {
        for (int i = 0; i < 100; i++) {
            service.thenFail(FakeService.status(503));
        }
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5));

        Outcome outcome = client(policy).finish(Records.end("run-1"));

        assertThat(outcome).isInstanceOf(Outcome.Unreachable.class);
        assertThat(((Outcome.Unreachable) outcome).reason()).startsWith("503");
        assertThat(now.get()).isLessThanOrEqualTo(Duration.ofSeconds(5).toNanos());
        assertThat(sleeps).isNotEmpty().allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(1)));
        assertThat(service.seen).hasSize(sleeps.size() + 1);
    }

    @Test
    void aRetryAfterBeyondTheLoopEndsItAtOnce() {
        service.thenFail(FakeService.status(503).setHeader("Retry-After", "3600"));

        Outcome outcome = client(RetryPolicy.defaults()).finish(Records.end("run-1"));

        assertThat(outcome).isInstanceOf(Outcome.Unreachable.class);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void refusalsAreNotRetriedAndCarryTheProblemDetail() {
        service.thenFail(FakeService.problem(400, "checkpoints[0].step must be >= 0"));

        Outcome outcome = client(RetryPolicy.defaults()).postCheckpoints("run-1", List.of(Records.checkpoint("run-1", 1)));

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.problem()).isEqualTo("400 Refused: checkpoints[0].step must be >= 0");
            assertThat(r.aboutContent()).isTrue();
        });
        assertThat(service.seen).hasSize(1);
    }

    @Test
    void anUnauthorisedAnswerIsARefusal() {
        service.thenFail(FakeService.problem(401, "unknown token"));

        Outcome outcome = client(RetryPolicy.defaults()).putRun(Records.run("run-1"));

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> {
            assertThat(r.problem()).contains("401", "unknown token");
            assertThat(r.aboutContent()).isFalse();
        });
    }

    @Test
    void malformedAnswersAreTransient() {
        service.thenFail(new MockResponse().setStatus("GARBAGE"),
                new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));

        Outcome outcome = client(RetryPolicy.defaults()).finish(Records.end("run-1"));

        assertThat(outcome).isInstanceOf(Outcome.Delivered.class);
        assertThat(counters.retried.get()).isEqualTo(2);
    }

    @Test
    void aNonJsonErrorBodyIsQuotedShort() {
        service.thenFail(FakeService.status(418).setBody("<html>\n  I am a teapot " + "x".repeat(1000) + "</html>"));

        Outcome outcome = client(RetryPolicy.defaults()).finish(Records.end("run-1"));

        assertThat(((Outcome.Rejected) outcome).problem()).startsWith("418 <html> I am a teapot").hasSizeLessThan(320);
    }

    @Test
    void aSlowAnswerTimesOutAndIsRetried() {
        service.thenFail(new MockResponse().setBody("{}").setHeadersDelay(2, TimeUnit.SECONDS));

        Outcome outcome = client(RetryPolicy.defaults(), Duration.ofMillis(200)).finish(Records.end("run-1"));

        assertThat(outcome).isInstanceOf(Outcome.Delivered.class);
        assertThat(counters.retried.get()).isEqualTo(1);
    }

    @Test
    void aServerFaultIsRetriedAndWhenItLastsRefusedForTheRequestsContent() {
        service.thenFail(FakeService.status(500));
        assertThat(client(RetryPolicy.defaults()).finish(Records.end("run-1"))).as("a passing 500")
                .isInstanceOf(Outcome.Delivered.class);

        for (int i = 0; i < 100; i++) {
            service.thenFail(FakeService.problem(500, "internal error"));
        }
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5));
        now.set(0);
        sleeps.clear();
        Outcome outcome = client(policy).postCheckpoints("run-1", List.of(Records.checkpoint("run-1", 1)));

        // set aside by the shipper (split, then dead-lettered alone) rather than blocking the run
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> {
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.aboutContent()).isTrue();
        });
        assertThat(sleeps).isNotEmpty();
        assertThat(now.get()).isLessThanOrEqualTo(Duration.ofSeconds(5).toNanos());
    }

    @Test
    void aSuccessThatIsNotTheServicesAnswerIsNotADelivery() {
        // a captive portal or a proxy answering 200 with its own page: the records never reached the service
        service.thenFail(FakeService.status(200).setBody("<html><body>Sign in to the network</body></html>"));
        assertThat(client(RetryPolicy.defaults()).finish(Records.end("run-1"))).isInstanceOf(Outcome.Delivered.class);
        assertThat(counters.retried.get()).isEqualTo(1);

        for (int i = 0; i < 100; i++) {
            service.thenFail(FakeService.status(200).setBody("<html><body>Sign in to the network</body></html>"));
        }
        RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5));
        Outcome outcome = client(policy).postCheckpoints("run-1", List.of(Records.checkpoint("run-1", 1)));

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Unreachable.class,
                u -> assertThat(u.reason()).contains("not the service's", "Sign in"));
    }

    @Test
    void oneServerFaultAloneKeepsTheRecordsAndSaysTheServiceAnswered() {
        // a probe's single attempt, or a Retry-After past the loop: one 500 proves nothing about the record
        service.thenFail(FakeService.status(500));
        Outcome probe = client(RetryPolicy.none()).postCheckpoints("run-1", List.of(Records.checkpoint("run-1", 1)));
        assertThat(probe).isEqualTo(new Outcome.Unreachable("500 (no body)", true));

        service.thenFail(FakeService.status(500).setHeader("Retry-After", "60"));
        Outcome waited = client(RetryPolicy.defaults()).postCheckpoints("run-1",
                List.of(Records.checkpoint("run-1", 1)));
        assertThat(waited).isInstanceOfSatisfying(Outcome.Unreachable.class, u -> assertThat(u.answered()).isTrue());

        // a second fault that asks for a wait past the loop: the loop did not run to its end
        service.thenFail(FakeService.status(500), FakeService.status(500).setHeader("Retry-After", "60"));
        Outcome early = client(RetryPolicy.defaults()).postCheckpoints("run-1",
                List.of(Records.checkpoint("run-1", 1)));
        assertThat(early).isInstanceOfSatisfying(Outcome.Unreachable.class, u -> assertThat(u.answered()).isTrue());
    }

    @Test
    void aTimeoutAnswerIsTransient() {
        service.thenFail(FakeService.status(408));

        assertThat(client(RetryPolicy.defaults()).finish(Records.end("run-1"))).isInstanceOf(Outcome.Delivered.class);
        assertThat(counters.retried.get()).isEqualTo(1);
    }

    @Test
    void anAnswerWhoseBodyTricklesInTimesOutAsAWhole() {
        // the headers at once, then one byte a second: the JDK client's own timeout ends with the headers
        service.thenFail(new MockResponse().setBody("{\"accepted\":1," + " ".repeat(200) + "}")
                .throttleBody(1, 1, TimeUnit.SECONDS));

        long start = System.nanoTime();
        Outcome outcome = client(RetryPolicy.defaults(), Duration.ofMillis(500)).finish(Records.end("run-1"));

        assertThat(outcome).isInstanceOf(Outcome.Delivered.class);
        assertThat(counters.retried.get()).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void onlyTheStartOfAnEndlessAnswerIsRead() throws Exception {
        // a proxy or a wrong URL that answers with an endless body: the whole of it used to be read into the heap
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread endless = new Thread(() -> {
                try (java.net.Socket s = socket.accept()) {
                    s.getInputStream().read(new byte[8192]);
                    java.io.OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    while (!Thread.currentThread().isInterrupted()) {
                        out.write(chunk);
                    }
                } catch (java.io.IOException e) {
                    // the client hung up: what it should do
                }
            });
            endless.setDaemon(true);
            endless.start();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            IngestionClient c = new IngestionClient(() -> http, URI.create("http://127.0.0.1:" + socket.getLocalPort()),
                    "demo", "dw_secret", Duration.ofSeconds(20), RetryPolicy.none(), now::get, d -> { }, () -> 0.5,
                    counters, () -> Long.MAX_VALUE);

            Outcome outcome = c.finish(Records.end("run-1"));

            assertThat(outcome).isInstanceOfSatisfying(Outcome.Rejected.class, r -> {
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.problem()).startsWith("400 xxxx").hasSizeLessThan(320);
            });
            endless.join(10_000);
            assertThat(endless.isAlive()).as("the server still writing after the answer was read").isFalse();
        }
    }

    @Test
    void aRetryAfterBeyondReasonIsTakenAsAnHour() {
        assertThat(IngestionClient.parseRetryAfter("9223372036")).isEqualTo(IngestionClient.MAX_RETRY_AFTER);
        assertThat(IngestionClient.parseRetryAfter("99999999999999999999999")).isEqualTo(IngestionClient.MAX_RETRY_AFTER);
        assertThat(IngestionClient.parseRetryAfter("3599")).isEqualTo(Duration.ofSeconds(3599));
        assertThat(IngestionClient.parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT")).isEqualTo(IngestionClient.MAX_RETRY_AFTER);
        for (String huge : List.of("9223372036", "99999999999")) {
            service.thenFail(FakeService.status(429).setHeader("Retry-After", huge));
            sleeps.clear();

            Outcome outcome = client(RetryPolicy.defaults()).finish(Records.end("run-1"));

            // beyond the loop: offline at once (spooled, probed later), no sleep of centuries, no overflow
            assertThat(outcome).as(huge).isInstanceOf(Outcome.Unreachable.class);
            assertThat(sleeps).isEmpty();
        }
    }

    @Test
    void readsRetryAfterDates() {
        assertThat(IngestionClient.parseRetryAfter("12")).isEqualTo(Duration.ofSeconds(12));
        assertThat(IngestionClient.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(IngestionClient.parseRetryAfter("soon")).isNull();
    }
}
