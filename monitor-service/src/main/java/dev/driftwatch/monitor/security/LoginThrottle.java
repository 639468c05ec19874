package dev.driftwatch.monitor.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * Counts failed UI logins per user name and per client address ({@link LoginThrottleProperties})
 * and writes the audit log (logger {@code dev.driftwatch.audit}): one line per success, failure and
 * refused (locked) attempt. In memory and per instance: each replica throttles on its own.
 */
@Component
@EnableConfigurationProperties(LoginThrottleProperties.class)
public class LoginThrottle {

    /** The audit log. */
    static final Logger AUDIT = LoggerFactory.getLogger("dev.driftwatch.audit");

    /** Most keys tracked; beyond it, expired entries are dropped (a flood cannot grow the map). */
    private static final int MAX_KEYS = 100_000;

    private final LoginThrottleProperties properties;
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final Map<String, Instant> lockedUntil = new ConcurrentHashMap<>();

    @Autowired
    LoginThrottle(LoginThrottleProperties properties) {
        this(properties, Clock.systemUTC());
    }

    // Visible for testing
    LoginThrottle(LoginThrottleProperties properties, Clock clock) {
        this.properties = properties;
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
        Duration d = Duration.ZERO;
        for (String key : new String[] {userKey(user), addressKey(address)}) {
            Instant until = lockedUntil.get(key);
            if (until != null && until.isAfter(now)) {
                Duration left = Duration.between(now, until);
                d = left.compareTo(d) > 0 ? left : d;
            }
        }
        return d;
    }

    /**
     * Records a refused attempt (locked) in the audit log.
     *
     * @param user the user name given
     * @param address the client address
     */
    public void refused(String user, String address) {
        AUDIT.warn("login refused (locked) user={} address={} retry_in={}s", printable(user), address,
                lockedFor(user, address).toSeconds());
    }

    /**
     * Records a failed login; locks the user name or the address when it reached the limit.
     *
     * @param user the user name given
     * @param address the client address
     */
    public void failed(String user, String address) {
        Instant now = clock.instant();
        if (failures.size() > MAX_KEYS) {
            prune(now);
        }
        boolean locked = false;
        for (String key : new String[] {userKey(user), addressKey(address)}) {
            Deque<Instant> recent = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
            synchronized (recent) {
                recent.addLast(now);
                while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(properties.window()))) {
                    recent.removeFirst();
                }
                if (recent.size() >= properties.maxFailures()) {
                    lockedUntil.put(key, now.plus(properties.lockout()));
                    recent.clear();
                    locked = true;
                }
            }
        }
        AUDIT.warn("login failed user={} address={}{}", printable(user), address,
                locked ? " -> locked for " + properties.lockout().toMinutes() + " min" : "");
    }

    /**
     * Records a successful login: the user's failures are forgiven.
     *
     * @param user the user name
     * @param address the client address
     */
    public void succeeded(String user, String address) {
        failures.remove(userKey(user));
        AUDIT.info("login succeeded user={} address={}", printable(user), address);
    }

    private void prune(Instant now) {
        failures.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().isEmpty() || e.getValue().peekLast().isBefore(now.minus(properties.window()));
            }
        });
        lockedUntil.entrySet().removeIf(e -> e.getValue().isBefore(now));
    }

    private static String userKey(String user) {
        return "user:" + (user == null ? "" : user);
    }

    private static String addressKey(String address) {
        return "address:" + address;
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
