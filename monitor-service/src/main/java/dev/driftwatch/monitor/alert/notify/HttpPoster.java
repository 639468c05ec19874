package dev.driftwatch.monitor.alert.notify;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What the HTTP notifiers share: one client (no redirects, the configured timeouts), the URL check,
 * and the classification of an answer: 2xx delivered; 5xx, 408, 429, timeouts and connection failures
 * are worth a retry; any other status is permanent (a 4xx means the request itself is wrong, and
 * sending it again cannot help).
 */
@Component
class HttpPoster {

    private static final Logger log = LoggerFactory.getLogger(HttpPoster.class);

    private final HttpClient http;
    private final AlertsProperties properties;
    private final OutboundPolicy outbound;

    HttpPoster(AlertsProperties properties, OutboundPolicy outbound) {
        this.properties = properties;
        this.outbound = outbound;
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
        // checked again at send time: the name may resolve elsewhere now than when the rule was saved
        String refused = outbound.refusal(url, true);
        if (refused != null) {
            log.warn("Notification to {} not sent: {}", url, refused);
            return new Outcome(Verdict.FAILED, null, "not sent: the URL's host is not an allowed destination");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(properties.requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "driftwatch-alerts/1")
                .header("Idempotency-Key", deliveryId.toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            // the receiver's body is never read into the alert (it could be anything an internal host answers)
            HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return classify(response.statusCode());
        } catch (IOException e) {
            // the details (refused, reset, timed out) stay in the service log: told to API users they
            // would map which ports are open on the receiver's host
            log.warn("Notification to {} got no answer: {}", url, e.toString());
            return new Outcome(Verdict.RETRY, null, "no answer from the receiver (connection failed or timed out)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(Verdict.RETRY, null, "interrupted");
        }
    }

    /**
     * Classifies a receiver's answer by its status alone.
     *
     * @param status the HTTP status
     * @return the outcome; its error names the status and its standard reason, nothing the receiver wrote
     */
    static Outcome classify(int status) {
        if (status >= 200 && status < 300) {
            return new Outcome(Verdict.DELIVERED, status, null);
        }
        org.springframework.http.HttpStatus known = org.springframework.http.HttpStatus.resolve(status);
        String error = "HTTP " + status + (known == null ? "" : " " + known.getReasonPhrase());
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
            if (uri.getPort() == 0 || uri.getPort() > 65535) {
                problems.add(new FieldProblem(field, "has no valid port: it must be 1 to 65535"));
                return null;
            }
            if (uri.getRawUserInfo() != null) {
                // the sender makes no Authorization header from it, and the rule's API would show it back
                problems.add(new FieldProblem(field, "must not hold a user name or password (user:password@)"));
                return null;
            }
            return uri.toString();
        } catch (URISyntaxException e) {
            problems.add(new FieldProblem(field, "is not a valid URL: " + e.getReason()));
            return null;
        }
    }
}
