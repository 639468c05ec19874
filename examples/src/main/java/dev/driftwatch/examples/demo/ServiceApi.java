package dev.driftwatch.examples.demo;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few calls the demo (and its end-to-end test) makes to the service's REST API besides ingestion
 * (read a run with its flags, create an alert rule, list alerts), with the project's API token.
 */
public final class ServiceApi {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI url;
    private final String project;
    private final String token;

    /**
     * Creates a client.
     *
     * @param url the service's base URL
     * @param project the project's key
     * @param token the project's API token
     */
    public ServiceApi(URI url, String project, String token) {
        this.url = url;
        this.project = project;
        this.token = token;
    }

    /**
     * An answer: status and parsed JSON body.
     *
     * @param status the HTTP status
     * @param json the parsed body (a map, a list, ...), or null when it is not JSON
     * @param text the raw body
     */
    public record Answer(int status, Object json, String text) {
        /**
         * Tells whether the status is 2xx.
         *
         * @return true on success
         */
        public boolean ok() {
            return status / 100 == 2;
        }

        /**
         * Returns the body as a JSON object.
         *
         * @return the object, or an empty map when the body is not one
         */
        @SuppressWarnings("unchecked")
        public Map<String, Object> body() {
            return json instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }

        /**
         * Returns the body as a JSON array.
         *
         * @return the elements, or an empty list when the body is not an array
         */
        @SuppressWarnings("unchecked")
        public List<Object> array() {
            return json instanceof List<?> l ? (List<Object>) l : List.of();
        }
    }

    /**
     * Reads a run as the query API shows it (flags, latest KL with its CI, ...).
     *
     * @param runKey the run
     * @return the run, or empty when the service does not know it
     */
    public Optional<Map<String, Object>> run(String runKey) {
        Answer a = get(projectPath("/runs/" + segment(runKey)));
        if (a.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(require(a, "read run " + runKey));
    }

    /**
     * Sends a GET to a path under the project ({@code /api/v1/projects/<project>}).
     *
     * @param path e.g. {@code /alerts}
     * @return the answer
     */
    public Answer getInProject(String path) {
        return get(projectPath(path));
    }

    /**
     * Sends a POST with a JSON body to a path under the project.
     *
     * @param path e.g. {@code /alert-rules}
     * @param body the body, turned into JSON
     * @return the answer
     */
    public Answer postInProject(String path, Map<String, Object> body) {
        try {
            return send(HttpRequest.newBuilder(url.resolve(projectPath(path)))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.std.asString(body))));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /**
     * Returns the body of a successful answer, or fails with the status and the service's problem detail.
     *
     * @param a the answer
     * @param what what was attempted, for the message
     * @return the body
     */
    public static Map<String, Object> require(Answer a, String what) {
        if (!a.ok()) {
            throw new IllegalStateException("cannot " + what + ": HTTP " + a.status() + " " + a.text());
        }
        return a.body();
    }

    private Answer get(String path) {
        return send(HttpRequest.newBuilder(url.resolve(path)).GET());
    }

    private Answer send(HttpRequest.Builder request) {
        HttpRequest r = request.header("Authorization", "Bearer " + token).header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), parse(response.body()), response.body());
        } catch (IOException e) {
            throw new IllegalStateException("the service at " + url + " does not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Object parse(String body) {
        String t = body == null ? "" : body.strip();
        if (!t.startsWith("{") && !t.startsWith("[")) {
            return null;
        }
        try {
            return JSON.std.anyFrom(t);
        } catch (IOException e) {
            return null;
        }
    }

    private String projectPath(String path) {
        return "/api/v1/projects/" + segment(project) + path;
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Reads a list field of a JSON object.
     *
     * @param body the object
     * @param field the field
     * @return its elements, or an empty list
     */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> body, String field) {
        return body.get(field) instanceof List<?> l ? (List<Object>) l : List.of();
    }
}
