package dev.driftwatch.monitor.alert;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Alerting settings ({@code driftwatch.alerts.*}).
 *
 * @param webhookSecret the HMAC-SHA256 key of the generic webhook's {@code X-Driftwatch-Signature-256}
 *     header (env {@code DRIFTWATCH_ALERTS_WEBHOOK_SECRET}); empty sends no signature
 * @param dispatcherEnabled whether this instance delivers notifications (every instance may; each
 *     notification is claimed by one instance at a time, with a lease)
 * @param dispatchInterval how often the dispatcher polls the outbox; a commit on this instance also
 *     wakes it at once
 * @param batchSize notifications claimed at once
 * @param lease how long a claimed notification stays with the instance that claimed it (renewed before
 *     each send); an instance that dies leaves it to another after this long. Longer than
 *     connect-timeout plus request-timeout, so that a slow send is not taken over (and sent twice)
 * @param maxAttempts delivery attempts before a notification is recorded as failed
 * @param initialBackoff wait before the second attempt; doubles per attempt
 * @param maxBackoff longest wait between attempts
 * @param connectTimeout TCP connect timeout of webhook deliveries
 * @param requestTimeout whole-request timeout of webhook deliveries
 * @param instanceName this instance's name in the delivery log (default: host name and process id)
 * @param gaugeRefresh how often the per-run Prometheus gauges are reloaded from the database
 * @param activeRunWindow a running run has gauges while its last checkpoint is younger than this
 * @param maxGaugedRuns at most this many runs (most recently active first) get gauges
 */
@ConfigurationProperties("driftwatch.alerts")
public record AlertsProperties(
        String webhookSecret,
        @DefaultValue("true") boolean dispatcherEnabled,
        @DefaultValue("500ms") Duration dispatchInterval,
        @DefaultValue("20") int batchSize,
        @DefaultValue("30s") Duration lease,
        @DefaultValue("8") int maxAttempts,
        @DefaultValue("2s") Duration initialBackoff,
        @DefaultValue("10m") Duration maxBackoff,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration requestTimeout,
        String instanceName,
        @DefaultValue("15s") Duration gaugeRefresh,
        @DefaultValue("1h") Duration activeRunWindow,
        @DefaultValue("500") int maxGaugedRuns) {

    /** Rejects settings the dispatcher and the gauges cannot work with, at start. */
    public AlertsProperties {
        require(batchSize >= 1, "batch-size must be at least 1");
        require(maxAttempts >= 1, "max-attempts must be at least 1");
        require(maxGaugedRuns >= 0, "max-gauged-runs must not be negative");
        require(positive(dispatchInterval) && positive(gaugeRefresh),
                "dispatch-interval and gauge-refresh must be positive");
        require(!initialBackoff.isNegative() && maxBackoff.compareTo(initialBackoff) >= 0,
                "initial-backoff must not be negative and max-backoff at least initial-backoff");
        require(positive(connectTimeout) && positive(requestTimeout), "timeouts must be positive");
        require(lease.compareTo(connectTimeout.plus(requestTimeout)) > 0,
                "lease must be longer than connect-timeout plus request-timeout");
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("driftwatch.alerts." + message);
        }
    }

    /** @return true when webhooks are signed */
    public boolean signs() {
        return webhookSecret != null && !webhookSecret.isEmpty();
    }
}
