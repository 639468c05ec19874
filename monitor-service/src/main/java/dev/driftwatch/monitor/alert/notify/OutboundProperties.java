package dev.driftwatch.monitor.alert.notify;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where notification channels may send. By default no URL may reach the service's own network:
 * loopback, link-local (cloud metadata), private, shared (CGNAT), unique-local and multicast
 * addresses, and the service's own addresses are refused.
 *
 * @param allow host names (exact, case-insensitive) or address ranges in CIDR form (e.g.
 *     {@code 10.20.0.0/16}, {@code 127.0.0.1/32}) that channels may reach although the defaults refuse them
 */
@ConfigurationProperties("driftwatch.alerts.outbound")
public record OutboundProperties(@DefaultValue({}) List<String> allow) {}
