package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.monitor.alert.AlertsProperties;
import dev.driftwatch.monitor.alert.Channel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Sends one notification to its channel and classifies the answer: 2xx delivered; 5xx, 429,
 * timeouts and connection failures are worth a retry; any other status is permanent (a 4xx means the
 * request itself is wrong, and sending it again cannot help).
 */
@Component
class ChannelSender {

    /** The logger of the {@code log} channel, so it can be routed apart from the service's own log. */
    static final Logger ALERT_LOG = LoggerFactory.getLogger("dev.driftwatch.alerts");

    private static final int MAX_ERROR = 300;

    private final HttpClient http;
    private final AlertsProperties properties;

    ChannelSender(AlertsProperties properties) {
        this.properties = properties;
        this.http = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** What became of one attempt. */
    enum Verdict { DELIVERED, RETRY, FAILED }

    /**
     * The outcome of one attempt.
     *
     * @param verdict delivered, retry later, or failed for good
     * @param httpStatus the receiver's status, or null when there was no answer
     * @param error what went wrong, or null
     */
    record Outcome(Verdict verdict, Integer httpStatus, String error) {}

    /**
     * Sends a notification.
     *
     * @param channelType the channel type
     * @param url the URL (null for log)
     * @param deliveryId the delivery id, the same on every attempt: sent as {@code Idempotency-Key} (and as
     *     {@code X-Driftwatch-Delivery} to webhooks) for receivers to de-duplicate on
     * @param kind firing, repeat or resolved, sent as {@code X-Driftwatch-Event}
     * @param payload the rendered body
     * @return the outcome
     */
    Outcome send(String channelType, String url, UUID deliveryId, String kind, String payload) {
        if (Channel.LOG.equals(channelType)) {
            ALERT_LOG.warn("{}", payload);
            return new Outcome(Verdict.DELIVERED, null, null);
        }
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(properties.requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "driftwatch-alerts/1")
                .header("Idempotency-Key", deliveryId.toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (Channel.WEBHOOK.equals(channelType)) {
            request.header("X-Driftwatch-Delivery", deliveryId.toString());
            request.header("X-Driftwatch-Event", kind);
            if (properties.signs()) {
                request.header(WebhookSigner.HEADER, WebhookSigner.sign(properties.webhookSecret(), body));
            }
        }
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

    private static String truncate(String s) {
        return s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR);
    }
}
