package dev.driftwatch.monitor.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for the service under test. */
public final class Api {

    /** The JSON mapper of the tests. */
    public static final ObjectMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String token;
    private final Map<String, String> headers;

    /**
     * Creates a client.
     *
     * @param base e.g. {@code http://localhost:8080}
     * @param token the bearer token, or null for none
     */
    public Api(String base, String token) {
        this(base, token, Map.of());
    }

    private Api(String base, String token, Map<String, String> headers) {
        this.base = base;
        this.token = token;
        this.headers = headers;
    }

    /**
     * Returns a client with another token.
     *
     * @param otherToken the token, or null for none
     * @return the client
     */
    public Api withToken(String otherToken) {
        return new Api(base, otherToken, headers);
    }

    /**
     * Returns a client that sends one more header with every request.
     *
     * @param name the header
     * @param value its value
     * @return the client
     */
    public Api withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new Api(base, token, Map.copyOf(more));
    }

    /**
     * An answer.
     *
     * @param status the HTTP status
     * @param contentType the Content-Type, or empty
     * @param text the body text
     * @param retryAfter the Retry-After header, or empty
     */
    public record Answer(int status, String contentType, String text, String retryAfter) {

        /** @return the body as JSON */
        public JsonNode json() {
            return JSON.readTree(text);
        }

        /** @return true when it is an RFC 9457 problem */
        public boolean isProblem() {
            return contentType.startsWith("application/problem+json");
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
     */
    public Answer send(String method, String path, String contentType, byte[] body, boolean gzip,
            String contentEncoding) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        byte[] payload = body;
        if (contentEncoding != null) {
            b.header("Content-Encoding", contentEncoding);
        }
        if (gzip && body != null) {
            payload = gzip(body);
        }
        b.method(method, payload == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(payload));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
                    r.headers().firstValue("Retry-After").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
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
     * @param project the project
     * @param runKey the run key
     * @param run the run body
     * @return the answer
     */
    public Answer putRun(String project, String runKey, JsonNode run) {
        return json("PUT", "/api/v1/projects/" + project + "/runs/" + runKey, run.toString());
    }

    /**
     * Uploads checkpoints.
     *
     * @param project the project
     * @param runKey the run key
     * @param batch the body {@code {"checkpoints": [...]}}
     * @return the answer
     */
    public Answer postCheckpoints(String project, String runKey, JsonNode batch) {
        return json("POST", "/api/v1/projects/" + project + "/runs/" + runKey + "/checkpoints", batch.toString());
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
