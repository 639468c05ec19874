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

    private static final Logger log = LoggerFactory.getLogger(ChannelSender.class);

    private final HttpClient http;
    private final AlertsProperties properties;
    private final OutboundPolicy outbound;

    ChannelSender(AlertsProperties properties, OutboundPolicy outbound) {
        this.properties = properties;
        this.outbound = outbound;
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
        // checked again at send time: the name may resolve elsewhere now than when the rule was saved
        String refused = outbound.refusal(url, true);
        if (refused != null) {
            log.warn("Notification to {} not sent: {}", url, refused);
            return new Outcome(Verdict.FAILED, null, "not sent: the URL's host is not an allowed destination");
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
}
