package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.AlertsProperties;
import dev.driftwatch.monitor.alert.notify.ChannelSender.Outcome;
import dev.driftwatch.monitor.alert.notify.ChannelSender.Verdict;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * What the HTTP notifiers share: one client (no redirects, the configured timeouts), the URL check,
 * and the classification of an answer: 2xx delivered; 5xx, 408, 429, timeouts and connection failures
 * are worth a retry; any other status is permanent (a 4xx means the request itself is wrong, and
 * sending it again cannot help).
 */
@Component
class HttpPoster {

    private static final int MAX_ERROR = 300;

    private final HttpClient http;
    private final AlertsProperties properties;

    HttpPoster(AlertsProperties properties) {
        this.properties = properties;
        this.http = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * POSTs a JSON body and classifies the answer. The delivery id, the same on every attempt, is sent
     * as {@code Idempotency-Key} for receivers to de-duplicate on.
     *
     * @param url the receiver
     * @param deliveryId the delivery id
     * @param body the JSON body
     * @param headers extra headers
     * @return the outcome
     */
    Outcome postJson(String url, UUID deliveryId, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(properties.requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "driftwatch-alerts/1")
                .header("Idempotency-Key", deliveryId.toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return classify(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Outcome(Verdict.RETRY, null, truncate(e.getClass().getSimpleName() + ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(Verdict.RETRY, null, "interrupted");
        }
    }

    /**
     * Classifies a receiver's answer.
     *
     * @param status the HTTP status
     * @param body the response body, quoted in the error
     * @return the outcome
     */
    static Outcome classify(int status, String body) {
        if (status >= 200 && status < 300) {
            return new Outcome(Verdict.DELIVERED, status, null);
        }
        String error = truncate("HTTP " + status + (body == null || body.isBlank() ? "" : ": " + body.strip()));
        boolean transientFailure = status >= 500 || status == 429 || status == 408;
        return new Outcome(transientFailure ? Verdict.RETRY : Verdict.FAILED, status, error);
    }

    /**
     * Checks the URL of an HTTP channel.
     *
     * @param field the field's path
     * @param text the URL as given
     * @param problems where to record what is wrong
     * @return the URL, or null when it is wrong
     */
    static String checkUrl(String field, String text, List<FieldProblem> problems) {
        if (text == null || text.isBlank()) {
            problems.add(new FieldProblem(field, "is required, an absolute http(s) URL"));
            return null;
        }
        if (text.length() > 2000) {
            problems.add(new FieldProblem(field, "must have at most 2000 characters"));
            return null;
        }
        try {
            URI uri = new URI(text.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                problems.add(new FieldProblem(field,
                        "must be an absolute http(s) URL with a host, e.g. https://hooks.example/x"));
                return null;
            }
            return uri.toString();
        } catch (URISyntaxException e) {
            problems.add(new FieldProblem(field, "is not a valid URL: " + e.getReason()));
            return null;
        }
    }

    private static String truncate(String s) {
        return s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR);
    }
}
