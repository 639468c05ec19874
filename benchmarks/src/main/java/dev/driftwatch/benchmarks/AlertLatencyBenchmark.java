package dev.driftwatch.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.driftwatch.harness.ApiClient;
import com.zaxxer.hikari.HikariDataSource;
import dev.driftwatch.monitor.DriftwatchApplication;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Alerting latency: from sending the checkpoint upload that makes a rule fire to the moment a real
 * HTTP receiver on loopback gets the signed webhook, p50 and p99. The baseline, measured in the same
 * run, is the round trip of an upload that makes nothing fire (the same run, one step earlier). The
 * service runs in this JVM with its default dispatcher settings on a fresh embedded PostgreSQL; first
 * one instance ingests and delivers (woken by its own commit), then a second instance on the same
 * database ingests and the first delivers, found by its outbox poll.
 */
final class AlertLatencyBenchmark implements Benchmark {

    private static final String PROJECT = "bench-alerts";
    private static final String TOKEN = "dw_alert-benchmark-token";
    private static final Pattern RUN = Pattern.compile("\"run\":\"([^\"]+)\"");

    /** Run key to the nanoTime its firing webhook arrived. */
    private final Map<String, CompletableFuture<Long>> arrivals = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "alert-latency";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        int samples = quick ? 20 : 200;
        int warmup = quick ? 3 : 20;
        Path dataDir = Files.createTempDirectory("driftwatch-bench-alerts-pg");
        HttpServer receiver = receiver();
        ConfigurableApplicationContext app = start("--driftwatch.embedded-db.data-dir=" + dataDir);
        ConfigurableApplicationContext other = null;
        try {
            String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
            send(api(app), "POST", "/alert-rules", """
                    {"name": "bench", "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above",
                     "threshold": 0.5}, "channels": [{"type": "webhook", "url": "%s"}]}""".formatted(hook));
            List<Result> rows = new ArrayList<>(measure(api(app), "same", warmup, samples,
                    "firing upload -> webhook received"));
            // a second instance on the same database, without a dispatcher: the first instance delivers
            // what the second one enqueues, found by its outbox poll (default interval)
            // (the embedded PostgreSQL has a generated password: the second instance uses the first's)
            HikariDataSource db = (HikariDataSource) app.getBean(DataSource.class);
            other = start("--spring.datasource.url=" + db.getJdbcUrl(),
                    "--spring.datasource.username=" + db.getUsername(),
                    "--spring.datasource.password=" + db.getPassword(),
                    "--driftwatch.alerts.dispatcher-enabled=false");
            rows.addAll(measure(api(other), "other", warmup, samples,
                    "firing upload -> webhook, delivered by another instance"));
            return rows;
        } finally {
            if (other != null) {
                other.close();
            }
            app.close();
            receiver.stop(0);
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static ConfigurableApplicationContext start(String... extra) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--driftwatch.bootstrap.project=" + PROJECT,
                "--driftwatch.bootstrap.token=" + TOKEN, "--driftwatch.alerts.webhook-secret=benchmark",
                // the receiver runs on this machine: loopback webhooks are refused unless allowed
                "--driftwatch.alerts.outbound.allow=127.0.0.1/32",
                "--logging.level.root=WARN"));
        args.addAll(List.of(extra));
        return new SpringApplication(DriftwatchApplication.class).run(args.toArray(String[]::new));
    }

    private static ApiClient api(ConfigurableApplicationContext app) {
        return new ApiClient("http://localhost:" + app.getEnvironment().getProperty("local.server.port"), TOKEN);
    }

    /**
     * Times alerts through one instance: per sample a new run, an upload that fires nothing (the
     * baseline round trip), then one that fires, timed until the webhook arrives.
     */
    private List<Result> measure(ApiClient api, String prefix, int warmup, int samples, String what)
            throws Exception {
        double[] fire = new double[samples];
        double[] plain = new double[samples];
        for (int i = -warmup; i < samples; i++) {
            String run = prefix + "-" + (i + warmup);
            send(api, "PUT", "/runs/" + run, """
                    {"name": "%s", "method": "full", "baseFingerprint": "%s", "probeFingerprint": "%s",
                     "totalParameters": 1000, "trainableParameters": 1000}"""
                    .formatted(run, "a".repeat(64), "b".repeat(64)));
            long t0 = System.nanoTime();
            send(api, "POST", "/runs/" + run + "/checkpoints", checkpoint(10, 0.1));
            long plainNanos = System.nanoTime() - t0;
            long t1 = System.nanoTime();
            send(api, "POST", "/runs/" + run + "/checkpoints", checkpoint(20, 0.9));
            long fireNanos = awaitArrival(run) - t1;
            if (i >= 0) {
                plain[i] = plainNanos / 1e6;
                fire[i] = fireNanos / 1e6;
            }
        }
        double p50 = percentile(fire, 0.50);
        double p99 = percentile(fire, 0.99);
        double b50 = percentile(plain, 0.50);
        double b99 = percentile(plain, 0.99);
        String n = " (" + samples + " alerts)";
        return List.of(
                new Result(name(), "p50 " + what + n, p50, "ms", b50, p50 / b50, null, null),
                new Result(name(), "p99 " + what + n, p99, "ms", b99, p99 / b99, "<= 2000 ms", p99 <= 2000));
    }

    /** A receiver that notes when each run's firing webhook arrives. */
    private HttpServer receiver() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            long now = System.nanoTime();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = RUN.matcher(body);
            if (m.find() && "firing".equals(exchange.getRequestHeaders().getFirst("X-Driftwatch-Event"))) {
                arrival(m.group(1)).complete(now);
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private CompletableFuture<Long> arrival(String run) {
        return arrivals.computeIfAbsent(run, k -> new CompletableFuture<>());
    }

    private long awaitArrival(String run) throws Exception {
        try {
            return arrival(run).get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no webhook for " + run + " within 30 s", e);
        }
    }

    private static String checkpoint(long step, double kl) {
        return """
                {"checkpoints": [{"step": %d, "probeCount": 100, "metrics": {"kl_base_ft": {"count": 100,
                 "mean": %s, "p50": %s, "p90": %s, "p99": %s, "max": %s, "ciLow": %s, "ciHigh": %s}}}]}"""
                .formatted(step, kl, kl, kl, kl, kl, kl * 0.9, kl * 1.1);
    }

    /** Sends JSON to a path under the project and fails unless it succeeds. */
    private static void send(ApiClient api, String method, String path, String json) {
        api.json(method, "/api/v1/projects/" + PROJECT + path, json).require(method + " " + path);
    }

    private static double percentile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
