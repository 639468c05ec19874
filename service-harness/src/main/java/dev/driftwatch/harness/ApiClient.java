package dev.driftwatch.harness;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one HTTP client of the service's API outside the service: the demo, the examples' and the
 * service's tests and the benchmarks. Sends any request with a bearer token (and optional extra headers
 * or a gzipped body) and returns the whole {@link Answer}, whatever its status; a client bound to a
 * project ({@link #withProject}) also reads runs and sends under {@code /api/v1/projects/<project>}.
 *
 * <pre>
 * ApiClient api = new ApiClient(service.url(), "dw_demo").withProject("demo");
 * ApiClient.Answer alerts = api.getInProject("/alerts?state=all");
 * if (alerts.ok()) {
 *     alerts.array().forEach(System.out::println);
 * }
 * </pre>
 *
 * <p>A client is immutable and thread-safe; the {@code with...} methods return a new one sharing the
 * connection pool.
 */
public final class ApiClient {

    /** The JSON mapper of the answers and of {@link #postInProject} bodies. */
    public static final ObjectMapper JSON = JsonMapper.builder().build();

    private final HttpClient http;
    private final String base;
    private final String token;
    private final String project;
    private final Map<String, String> headers;
    private final Duration timeout;

    /**
     * Creates a client.
     *
     * @param base the service's base URL, e.g. {@code http://localhost:8080}
     * @param token the bearer token, or null for none
     */
    public ApiClient(String base, String token) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(),
                base.endsWith("/") ? base.substring(0, base.length() - 1) : base, token, null, Map.of(),
                Duration.ofSeconds(60));
    }

    /**
     * Creates a client.
     *
     * @param base the service's base URL
     * @param token the bearer token, or null for none
     */
    public ApiClient(URI base, String token) {
        this(base.toString(), token);
    }

    private ApiClient(HttpClient http, String base, String token, String project, Map<String, String> headers,
            Duration timeout) {
        this.http = http;
        this.base = base;
        this.token = token;
        this.project = project;
        this.headers = headers;
        this.timeout = timeout;
    }

    /**
     * Returns a client with another token.
     *
     * @param otherToken the token, or null for none
     * @return the client
     */
    public ApiClient withToken(String otherToken) {
        return new ApiClient(http, base, otherToken, project, headers, timeout);
    }

    /**
     * Returns a client that sends one more header with every request.
     *
     * @param name the header
     * @param value its value
     * @return the client
     */
    public ApiClient withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiClient(http, base, token, project, Map.copyOf(more), timeout);
    }

    /**
     * Returns a client bound to a project, for {@link #run}, {@link #getInProject} and {@link #postInProject}.
     *
     * @param projectKey the project's key
     * @return the client
     */
    public ApiClient withProject(String projectKey) {
        return new ApiClient(http, base, token, projectKey, headers, timeout);
    }

    /**
     * Returns a client that waits longer (or shorter) for each answer (default 60 s).
     *
     * @param requestTimeout the longest wait for one answer
     * @return the client
     */
    public ApiClient withTimeout(Duration requestTimeout) {
        return new ApiClient(http, base, token, project, headers, requestTimeout);
    }

    /**
     * An answer, of any status.
     *
     * @param status the HTTP status
     * @param contentType the Content-Type, or empty
     * @param text the body text
     * @param retryAfter the Retry-After header, or empty
     */
    public record Answer(int status, String contentType, String text, String retryAfter) {

        /**
         * Returns the body as a JSON tree.
         *
         * @return the tree
         * @throws JacksonException when the body is not JSON
         */
        public JsonNode json() {
            return JSON.readTree(text);
        }

        /**
         * Tells whether it is an RFC 9457 problem.
         *
         * @return true when the Content-Type is {@code application/problem+json}
         */
        public boolean isProblem() {
            return contentType.startsWith("application/problem+json");
        }

        /**
         * Tells whether the status is 2xx.
         *
         * @return true on success
         */
        public boolean ok() {
            return status / 100 == 2;
        }

        /**
         * Returns the body as a JSON object of plain Java values (maps, lists, strings, numbers, booleans).
         *
         * @return the object, or an empty map when the body is not one
         */
        @SuppressWarnings("unchecked")
        public Map<String, Object> body() {
            return parsed() instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }

        /**
         * Returns the body as a JSON array of plain Java values.
         *
         * @return the elements, or an empty list when the body is not an array
         */
        @SuppressWarnings("unchecked")
        public List<Object> array() {
            return parsed() instanceof List<?> l ? (List<Object>) l : List.of();
        }

        /**
         * Returns the body of a successful answer, or fails with the status and the service's problem detail.
         *
         * @param what what was attempted, for the message
         * @return the body as a JSON object ({@link #body()})
         * @throws IllegalStateException when the status is not 2xx
         */
        public Map<String, Object> require(String what) {
            if (!ok()) {
                throw new IllegalStateException("cannot " + what + ": HTTP " + status + " " + text);
            }
            return body();
        }

        private Object parsed() {
            String t = text == null ? "" : text.strip();
            if (!t.startsWith("{") && !t.startsWith("[")) {
                return null;
            }
            try {
                return JSON.readValue(t, Object.class);
            } catch (JacksonException e) {
                return null;
            }
        }
    }

    /**
     * Sends a request.
     *
     * @param method the method
     * @param path the path, e.g. {@code /api/v1/projects/test/runs/a}
     * @param contentType the Content-Type, or null
     * @param body the body, or null
     * @param gzip whether to gzip the body
     * @return the answer
     * @throws IllegalStateException when the service does not answer
     */
    public Answer send(String method, String path, String contentType, byte[] body, boolean gzip) {
        return send(method, path, contentType, body, gzip, gzip ? "gzip" : null);
    }

    /**
     * Sends a request with an explicit Content-Encoding header.
     *
     * @param method the method
     * @param path the path
     * @param contentType the Content-Type, or null
     * @param body the body, or null
     * @param gzip whether to gzip the body
     * @param contentEncoding the Content-Encoding header, or null
     * @return the answer
     * @throws IllegalStateException when the service does not answer
     */
    public Answer send(String method, String path, String contentType, byte[] body, boolean gzip,
            String contentEncoding) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (contentEncoding != null) {
            b.header("Content-Encoding", contentEncoding);
        }
        byte[] payload = gzip && body != null ? gzip(body) : body;
        b.method(method, payload == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(payload));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
                    r.headers().firstValue("Retry-After").orElse(""));
        } catch (IOException e) {
            throw new IllegalStateException("the service at " + base + " does not answer " + method + " " + path
                    + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Sends JSON.
     *
     * @param method the method
     * @param path the path
     * @param body the JSON text
     * @return the answer
     */
    public Answer json(String method, String path, String body) {
        return send(method, path, "application/json", body.getBytes(StandardCharsets.UTF_8), false);
    }

    /**
     * Sends a GET.
     *
     * @param path the path
     * @return the answer
     */
    public Answer get(String path) {
        return send("GET", path, null, null, false);
    }

    /**
     * Creates or updates a run.
     *
     * @param projectKey the project
     * @param runKey the run key
     * @param run the run body
     * @return the answer
     */
    public Answer putRun(String projectKey, String runKey, JsonNode run) {
        return json("PUT", "/api/v1/projects/" + projectKey + "/runs/" + runKey, run.toString());
    }

    /**
     * Uploads checkpoints.
     *
     * @param projectKey the project
     * @param runKey the run key
     * @param batch the body {@code {"checkpoints": [...]}}
     * @return the answer
     */
    public Answer postCheckpoints(String projectKey, String runKey, JsonNode batch) {
        return json("POST", "/api/v1/projects/" + projectKey + "/runs/" + runKey + "/checkpoints", batch.toString());
    }

    /**
     * Reads a run of the {@link #withProject project} as the query API shows it (flags, latest KL with
     * its CI, ...).
     *
     * @param runKey the run
     * @return the run, or empty when the service does not know it
     * @throws IllegalStateException on any other answer than 2xx or 404
     */
    public Optional<Map<String, Object>> run(String runKey) {
        Answer a = getInProject("/runs/" + segment(runKey));
        if (a.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(a.require("read run " + runKey));
    }

    /**
     * Sends a GET to a path under the {@link #withProject project} ({@code /api/v1/projects/<project>}).
     *
     * @param path e.g. {@code /alerts}
     * @return the answer
     */
    public Answer getInProject(String path) {
        return get(projectPath(path));
    }

    /**
     * Sends a POST with a JSON body to a path under the {@link #withProject project}.
     *
     * @param path e.g. {@code /alert-rules}
     * @param body the body (maps, lists, records...), turned into JSON
     * @return the answer
     */
    public Answer postInProject(String path, Object body) {
        return json("POST", projectPath(path), JSON.writeValueAsString(body));
    }

    private String projectPath(String path) {
        if (project == null) {
            throw new IllegalStateException("this client has no project: use withProject");
        }
        return "/api/v1/projects/" + segment(project) + path;
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Reads a list field of a JSON object ({@link Answer#body()}).
     *
     * @param body the object
     * @param field the field
     * @return its elements, or an empty list
     */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> body, String field) {
        return body.get(field) instanceof List<?> l ? (List<Object>) l : List.of();
    }

    /**
     * Gzips a body.
     *
     * @param body the bytes
     * @return the gzip stream's bytes
     */
    public static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
