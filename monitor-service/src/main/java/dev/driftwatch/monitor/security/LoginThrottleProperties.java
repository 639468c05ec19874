package dev.driftwatch.monitor.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Login throttling of the web UI: after {@code maxFailures} failed logins within {@code window}
 * for one user name, or from one client address, further logins for it are refused (even with the
 * right password) for {@code lockout}.
 *
 * @param maxFailures failed logins that lock a user name or an address
 * @param window how far back failures count
 * @param lockout how long a lock lasts
 */
@ConfigurationProperties("driftwatch.security.login")
public record LoginThrottleProperties(
        @DefaultValue("5") int maxFailures,
        @DefaultValue("15m") Duration window,
        @DefaultValue("15m") Duration lockout) {}
