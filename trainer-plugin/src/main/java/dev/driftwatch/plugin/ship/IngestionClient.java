package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.ContractVersion;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.WireJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

/**
 * Speaks the service's ingestion API ({@code docs/api/ingestion.md}) over the JDK {@link HttpClient}:
 * gzip bodies, a bearer token, a User-Agent with the plugin's version, the contract version, and the retry loop of a
 * {@link RetryPolicy} around every request. It never throws for a network or HTTP failure; it
 * answers with an {@link Outcome}.
 *
 * <p>Thread-safe; the sink uses it from its one sender thread, the command-line tool from main.
 */
final class IngestionClient {

    /** The User-Agent sent with every request, e.g. {@code driftwatch-trainer-plugin/0.1.0}. */
    static final String USER_AGENT = "driftwatch-trainer-plugin/" + version();

    private final Supplier<HttpClient> http;
    private final String projectUrl;
    private final String token;
    private final Duration requestTimeout;
    private final RetryPolicy policy;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private final DoubleSupplier jitter;
    private final ShipCounters counters;
    private final LongSupplier cutoff;

    /**
     * Creates a client.
     *
     * @param http supplies the HTTP client (its connect timeout applies); called on every request,
     *     so it should hand out one client, created on first use ({@link #lazy})
     * @param baseUrl the service's base URL, e.g. {@code http://localhost:8080}
     * @param project the project every request is scoped to
     * @param token the project's API token
     * @param requestTimeout the longest wait for one answer
     * @param policy the retry policy
     * @param nanoClock {@link System#nanoTime} or a test clock
     * @param sleeper the waiting between retries
     * @param jitter random numbers in [0, 1)
     * @param counters where retries are counted
     * @param cutoff a {@code nanoClock} time after which no retry starts ({@link Long#MAX_VALUE} for
     *     none); the sink sets it while a flush waits or the queue fills up, and a service that
     *     refuses connections is then not retried at all, since the records are safe in the spool
     */
    IngestionClient(Supplier<HttpClient> http, URI baseUrl, String project, String token, Duration requestTimeout,
            RetryPolicy policy, LongSupplier nanoClock, Sleeper sleeper, DoubleSupplier jitter,
            ShipCounters counters, LongSupplier cutoff) {
        this.http = Objects.requireNonNull(http, "http");
        String base = Objects.requireNonNull(baseUrl, "url").toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        this.projectUrl = base + "/api/v1/projects/" + segment(Objects.requireNonNull(project, "project"));
        this.token = Objects.requireNonNull(token, "token");
        this.requestTimeout = requestTimeout;
        this.policy = policy;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
        this.jitter = jitter;
        this.counters = counters;
        this.cutoff = cutoff;
    }

    /**
     * Creates a client with the default timeouts and retry policy, for one-off use (the command-line
     * tool).
     *
     * @param baseUrl the service's base URL
     * @param project the project
     * @param token the project's API token
     * @return the client
     */
    static IngestionClient create(URI baseUrl, String project, String token) {
        return new IngestionClient(lazy(Duration.ofSeconds(5)), baseUrl, project, token, Duration.ofSeconds(30), RetryPolicy.defaults(),
                System::nanoTime, Sleeper.SYSTEM, () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                new ShipCounters(), () -> Long.MAX_VALUE);
    }

    private IngestionClient(IngestionClient other, RetryPolicy policy) {
        this.http = other.http;
        this.projectUrl = other.projectUrl;
        this.token = other.token;
        this.requestTimeout = other.requestTimeout;
        this.policy = policy;
        this.nanoClock = other.nanoClock;
        this.sleeper = other.sleeper;
        this.jitter = other.jitter;
        this.counters = other.counters;
        this.cutoff = other.cutoff;
    }

    /**
     * Returns a client like this one with another retry policy.
     *
     * @param policy the policy
     * @return the new client, sharing the HTTP client
     */
    IngestionClient withPolicy(RetryPolicy policy) {
        return new IngestionClient(this, policy);
    }

    /**
     * Creates or updates a run ({@code PUT .../runs/{runKey}}).
     *
     * @param run the run
     * @return how it ended
     */
    Outcome putRun(RunInfo run) {
        return send("PUT", runUrl(run.runKey()), WireJson.write(WireJson.toMap(run)));
    }

    /**
     * Uploads checkpoints of one run ({@code POST .../checkpoints}).
     *
     * @param runKey the run
     * @param checkpoints at most 1000 checkpoints of that run
     * @return how it ended
     */
    Outcome postCheckpoints(String runKey, List<CheckpointReport> checkpoints) {
        List<Object> list = new ArrayList<>(checkpoints.size());
        for (CheckpointReport c : checkpoints) {
            list.add(WireJson.toMap(c));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("checkpoints", list);
        return send("POST", runUrl(runKey) + "/checkpoints", WireJson.write(body));
    }

    /**
     * Marks a run as ended ({@code POST .../finish}).
     *
     * @param end the run end
     * @return how it ended
     */
    Outcome finish(RunEnd end) {
        return send("POST", runUrl(end.runKey()) + "/finish", WireJson.write(WireJson.toMap(end)));
    }

    /**
     * Reads something of the project's query API ({@code GET}), with the same retry loop.
     *
     * @param pathAfterProject the path after {@code /api/v1/projects/{project}}, starting with a slash
     * @return how it ended
     */
    Outcome get(String pathAfterProject) {
        return send("GET", projectUrl + pathAfterProject, null);
    }

    /**
     * Encodes one path segment.
     *
     * @param s the raw segment
     * @return the percent-encoded segment
     */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private String runUrl(String runKey) {
        return projectUrl + "/runs/" + segment(runKey);
    }

    private Outcome send(String method, String url, String json) {
        HttpRequest request = request(method, url, json);
        long start = nanoClock.getAsLong();
        long deadline = start + policy.maxElapsed().toNanos();
        for (int attempt = 0; ; attempt++) {
            String failure;
            Duration retryAfter = null;
            try {
                HttpResponse<String> response = http.get().send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return new Outcome.Delivered(status, response.body());
                }
                if (!isTransient(status)) {
                    return new Outcome.Rejected(status, Problems.describe(status, response.body()),
                            Problems.rejectedIndices(response.body()));
                }
                failure = Problems.describe(status, response.body());
                retryAfter = response.headers().firstValue("Retry-After").map(IngestionClient::parseRetryAfter)
                        .orElse(null);
            } catch (IOException e) {
                // connect refused, reset, timeout, a malformed answer: the network's fault, so transient
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                if (e instanceof ConnectException && cutoff.getAsLong() != Long.MAX_VALUE) {
                    return new Outcome.Unreachable(failure);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome.Unreachable("interrupted");
            }
            Duration wait = policy.backoff(attempt, jitter.getAsDouble(), retryAfter);
            if (nanoClock.getAsLong() + wait.toNanos() > Math.min(deadline, cutoff.getAsLong())) {
                return new Outcome.Unreachable(failure);
            }
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome.Unreachable("interrupted");
            }
            counters.retried.incrementAndGet();
        }
    }

    private HttpRequest request(String method, String url, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(requestTimeout)
                .header("Authorization", "Bearer " + token)
                .header("User-Agent", USER_AGENT)
                .header(ContractVersion.HEADER, ContractVersion.CURRENT)
                .header("Accept", "application/json, application/problem+json");
        if (json == null) {
            return b.GET().build();
        }
        return b.header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(gzip(json)))
                .build();
    }

    /**
     * Supplies one HTTP/1.1 client, created on first use: creating it (TLS set-up, a selector thread)
     * takes a noticeable time once per JVM, which then falls on the sender thread rather than on the
     * thread that builds the sink.
     *
     * @param connectTimeout the connect timeout
     * @return the supplier
     */
    static Supplier<HttpClient> lazy(Duration connectTimeout) {
        return new Supplier<>() {
            private volatile HttpClient client;

            @Override
            public HttpClient get() {
                HttpClient c = client;
                if (c == null) {
                    synchronized (this) {
                        c = client;
                        if (c == null) {
                            c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                                    .connectTimeout(connectTimeout).build();
                            client = c;
                        }
                    }
                }
                return c;
            }
        };
    }

    /**
     * Tells transient failures from permanent ones.
     *
     * @param status an HTTP status that is not 2xx
     * @return true for 429, 502, 503 and 504
     */
    static boolean isTransient(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }

    /**
     * Parses a {@code Retry-After} header: delta-seconds or an HTTP date.
     *
     * @param value the header value
     * @return the wait it asks for, or null when it cannot be read
     */
    static Duration parseRetryAfter(String value) {
        String v = value.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static byte[] gzip(String json) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, json.length() / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen in memory
        }
        return bytes.toByteArray();
    }

    /**
     * Returns the plugin's version (from the build), or {@code dev} when run from unfiltered sources.
     *
     * @return the version
     */
    static String version() {
        try (InputStream in = IngestionClient.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.startsWith("$")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through: the version is only informative
        }
        return "dev";
    }
}
