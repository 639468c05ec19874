package dev.driftwatch.monitor.alert.metrics;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The per-run Prometheus gauges' settings ({@code driftwatch.alerts.*}, beside the delivery settings
 * of {@code alert.notify.AlertsProperties}).
 *
 * @param gaugeRefresh how often the per-run Prometheus gauges are reloaded from the database
 * @param activeRunWindow a running run has gauges while its last checkpoint is younger than this
 * @param maxGaugedRuns at most this many runs (most recently active first) get gauges
 */
@ConfigurationProperties("driftwatch.alerts")
public record GaugeProperties(
        @DefaultValue("15s") Duration gaugeRefresh,
        @DefaultValue("1h") Duration activeRunWindow,
        @DefaultValue("500") int maxGaugedRuns) {

    /** Rejects settings the gauges cannot work with, at start. */
    public GaugeProperties {
        if (maxGaugedRuns < 0) {
            throw new IllegalArgumentException("driftwatch.alerts.max-gauged-runs must not be negative");
        }
        if (gaugeRefresh.isNegative() || gaugeRefresh.isZero()) {
            throw new IllegalArgumentException("driftwatch.alerts.gauge-refresh must be positive");
        }
    }
}
