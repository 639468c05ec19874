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
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    /**
     * The longest JSON body of a batch of checkpoints, in UTF-8 bytes (as the service counts it, once
     * inflated): half the service's default limit of 16 MB (a checkpoint with 10,000 tensors is ~2 MB, so 64 of
     * them were ~140 MB).
     */
    static final int MAX_REQUEST_BYTES = 8 << 20;

    /**
     * The most of an answer's body kept: enough for any problem detail the service writes (a refused batch of
     * 1000 checkpoints lists each with its errors: a few hundred KiB), bounded against an endless answer.
     */
    static final int MAX_ANSWER_BYTES = 1 << 20;

    /**
     * The longest {@code Retry-After} honoured: a longer one (a misconfigured proxy's) is taken as an hour, so
     * the sender goes offline, spools and probes as for any outage instead of sleeping for centuries.
     */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

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
        String json = WireJson.write(body);
        long bytes = utf8Length(json);
        if (checkpoints.size() > 1 && bytes > MAX_REQUEST_BYTES) {
            // not sent: the service refuses bodies past its limit (16 MB by default), often by a reset the
            // client cannot tell from an outage, which sent the same batch again at every probe; as a refusal
            // for its size, the shipper sends the checkpoints one by one
            return new Outcome.Rejected(413, String.format(Locale.ROOT, "413 (not sent): %d checkpoints are %.1f MB"
                    + " of JSON, past the %d MiB one request carries", checkpoints.size(), bytes / 1e6,
                    MAX_REQUEST_BYTES >> 20));
        }
        return send("POST", runUrl(runKey) + "/checkpoints", json);
    }

    /** The length of a text in UTF-8, without encoding it (a batch's JSON can be tens of MB). */
    static long utf8Length(String text) {
        long n = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                // 2 bytes below U+0800, 3 above; a surrogate pair's 4 are its two chars' 2 + 2
                n += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return n;
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
        int faults = 0;
        for (int attempt = 0; ; attempt++) {
            String failure;
            Duration retryAfter = null;
            Outcome.Rejected fault = null;
            try {
                HttpResponse<String> response = exchange(request);
                int status = response.statusCode();
                if (status >= 200 && status < 300 && isServiceAnswer(response.body())) {
                    return new Outcome.Delivered(status, response.body());
                }
                if (status >= 200 && status < 300) {
                    // e.g. a captive portal's or a proxy's HTML page: the records did not reach the service
                    failure = "an answer that is not the service's (not a JSON object): "
                            + Problems.describe(status, response.body());
                } else if (!isTransient(status) && !isServerFault(status)) {
                    return new Outcome.Rejected(status, Problems.describe(status, response.body()),
                            Problems.rejectedIndices(response.body()));
                } else {
                    failure = Problems.describe(status, response.body());
                }
                if (isServerFault(status)) {
                    fault = new Outcome.Rejected(status, failure);
                    faults++;
                }
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
            long next = nanoClock.getAsLong() + wait.toNanos();
            if (next > Math.min(deadline, cutoff.getAsLong())) {
                // a service that answered with its own fault at least twice, to the loop's end: the request's
                // content, perhaps (the shipper sets a record aside once the service has shown it works);
                // one fault alone (a probe's single attempt), a loop a Retry-After ends early, or one cut
                // short (a flush's deadline), keeps the records, and says the service answered
                return fault != null && faults >= 2 && retryAfter == null && next > deadline ? fault
                        : new Outcome.Unreachable(failure, fault != null);
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

    /**
     * One exchange, bounded in time and size as a whole: the request timeout also covers the answer's
     * body (the JDK client's own timeout ends with the headers, so a body that trickles in held the sender
     * for good), and no more than {@link #MAX_ANSWER_BYTES} of the body are kept (an endless or huge answer
     * from a proxy or a wrong URL filled the heap). Interrupting the caller aborts the exchange.
     */
    private HttpResponse<String> exchange(HttpRequest request) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> answer =
                http.get().sendAsync(request, info -> new CappedBody(MAX_ANSWER_BYTES));
        try {
            return answer.get(saturatedNanos(requestTimeout), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new HttpTimeoutException("no whole answer within " + requestTimeout);
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause == null ? e.toString() : cause.toString(), cause);
        }
    }

    /** Whether a 2xx body is one the service writes: every answer of the ingestion API is a JSON object. */
    static boolean isServiceAnswer(String body) {
        String b = body.strip();
        return b.startsWith("{");
    }

    /** A duration in nanoseconds, {@link Long#MAX_VALUE} for one too long to hold. */
    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /**
     * Keeps the first {@code limit} bytes of an answer's body, as UTF-8 text, and stops reading there: the
     * body only ever serves for a summary (a problem's detail, the rejected indices).
     */
    static final class CappedBody implements HttpResponse.BodySubscriber<String> {

        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<String> body = new CompletableFuture<>();
        private Flow.Subscription subscription;

        CappedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                int n = Math.min(b.remaining(), limit - bytes.size());
                byte[] part = new byte[n];
                b.get(part);
                bytes.write(part, 0, n);
            }
            if (bytes.size() >= limit && !body.isDone()) {
                subscription.cancel();
                finish();
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            finish();
        }

        private void finish() {
            body.complete(bytes.toString(StandardCharsets.UTF_8));
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
     * @return true for 408, 429, 502, 503 and 504
     */
    static boolean isTransient(int status) {
        return status == 408 || status == 429 || status == 502 || status == 503 || status == 504;
    }

    /**
     * Tells the service's own faults (500 and the other 5xx that do not mean "unavailable"): retried like a
     * transient failure, and when they last as long as the retry loop, refused for the request's content
     * ({@link Outcome.Rejected#aboutContent}): a record the service fails on every time is set aside rather
     * than holding up the rest of its run.
     *
     * @param status an HTTP status that is not 2xx
     * @return true for a 5xx other than 502, 503 and 504
     */
    static boolean isServerFault(int status) {
        return status >= 500 && status < 600 && !isTransient(status);
    }

    /**
     * Parses a {@code Retry-After} header: delta-seconds or an HTTP date.
     *
     * @param value the header value
     * @return the wait it asks for, or null when it cannot be read
     */
    static Duration parseRetryAfter(String value) {
        String v = value.trim();
        Duration asked;
        try {
            asked = Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException e) {
            if (v.chars().allMatch(Character::isDigit) && !v.isEmpty()) {
                return MAX_RETRY_AFTER; // more seconds than a long holds
            }
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                asked = d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException | ArithmeticException e2) {
                return null;
            }
        }
        return asked.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : asked;
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
