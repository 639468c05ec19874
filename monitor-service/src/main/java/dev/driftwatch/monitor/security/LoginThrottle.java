package dev.driftwatch.monitor.security;

import dev.driftwatch.monitor.token.TokenHash;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Counts failed UI logins per user name and per client address ({@link LoginThrottleProperties})
 * and writes the audit log (logger {@code dev.driftwatch.audit}): one line per success, failure and
 * refused (locked) attempt. The counts and locks live in PostgreSQL (tables {@code login_failure} and
 * {@code login_lock}), so every instance behind a load balancer throttles together: failures on one
 * replica add up with those on the others, and a lock taken on one refuses logins on all of them. The
 * keys are SHA-256 hashes of the user name and of the address, so whatever a login form carries is
 * stored safely. Times come from this instance's clock (replicas are assumed to keep time within
 * seconds of each other).
 */
@Component
@EnableConfigurationProperties(LoginThrottleProperties.class)
public class LoginThrottle {

    /** The audit log. */
    static final Logger AUDIT = LoggerFactory.getLogger("dev.driftwatch.audit");

    private final LoginThrottleProperties properties;
    private final JdbcTemplate jdbc;
    private final Clock clock;

    @Autowired
    LoginThrottle(LoginThrottleProperties properties, JdbcTemplate jdbc) {
        this(properties, jdbc, Clock.systemUTC());
    }

    // Visible for testing
    LoginThrottle(LoginThrottleProperties properties, JdbcTemplate jdbc, Clock clock) {
        this.properties = properties;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * How long a login for this user from this address is still refused.
     *
     * @param user the user name given
     * @param address the client address
     * @return zero when it may be tried
     */
    public Duration lockedFor(String user, String address) {
        Instant now = clock.instant();
        Timestamp until = jdbc.queryForObject(
                "SELECT max(locked_until) FROM login_lock WHERE throttle_key IN (?, ?) AND locked_until > ?",
                Timestamp.class, userKey(user), addressKey(address), Timestamp.from(now));
        return until == null ? Duration.ZERO : Duration.between(now, until.toInstant());
    }

    /**
     * Records a refused attempt (locked) in the audit log.
     *
     * @param user the user name given
     * @param address the client address
     * @param locked how long the login stays refused, as {@link #lockedFor} gave it
     */
    public void refused(String user, String address, Duration locked) {
        AUDIT.warn("login refused (locked) user={} address={} retry_in={}s", printable(user), address,
                locked.toSeconds());
    }

    /**
     * Records a failed login; locks the user name or the address when it reached the limit within the
     * window (counting the failures of every instance), and drops failures and locks that have expired.
     *
     * @param user the user name given
     * @param address the client address
     */
    @Transactional
    public void failed(String user, String address) {
        Instant now = clock.instant();
        Timestamp at = Timestamp.from(now);
        Timestamp windowStart = Timestamp.from(now.minus(properties.window()));
        jdbc.update("DELETE FROM login_failure WHERE failed_at <= ?", windowStart);
        jdbc.update("DELETE FROM login_lock WHERE locked_until <= ?", at);
        boolean locked = false;
        for (String key : new String[] {userKey(user), addressKey(address)}) {
            jdbc.update("INSERT INTO login_failure (throttle_key, failed_at) VALUES (?, ?)", key, at);
            Integer recent = jdbc.queryForObject(
                    "SELECT count(*) FROM login_failure WHERE throttle_key = ? AND failed_at > ?", Integer.class, key,
                    windowStart);
            if (recent != null && recent >= properties.maxFailures()) {
                jdbc.update("INSERT INTO login_lock (throttle_key, locked_until) VALUES (?, ?) ON CONFLICT (throttle_key)"
                        + " DO UPDATE SET locked_until = greatest(login_lock.locked_until, excluded.locked_until)",
                        key, Timestamp.from(now.plus(properties.lockout())));
                jdbc.update("DELETE FROM login_failure WHERE throttle_key = ?", key);
                locked = true;
            }
        }
        AUDIT.warn("login failed user={} address={}{}", printable(user), address,
                locked ? " -> locked for " + properties.lockout().toMinutes() + " min" : "");
    }

    /**
     * Records a successful login: the user's failures are forgiven (on every instance).
     *
     * @param user the user name
     * @param address the client address
     */
    public void succeeded(String user, String address) {
        jdbc.update("DELETE FROM login_failure WHERE throttle_key = ?", userKey(user));
        AUDIT.info("login succeeded user={} address={}", printable(user), address);
    }

    private static String userKey(String user) {
        return "user:" + TokenHash.of(user == null ? "" : user);
    }

    private static String addressKey(String address) {
        return "address:" + TokenHash.of(address == null ? "" : address);
    }

    /** A user name as the log may show it: no line breaks or control characters (log injection). */
    private static String printable(String user) {
        if (user == null) {
            return "\"\"";
        }
        String cut = user.length() > 100 ? user.substring(0, 100) + "..." : user;
        return '"' + cut.replaceAll("[\\p{Cntrl}\"]", "?") + '"';
    }
}
