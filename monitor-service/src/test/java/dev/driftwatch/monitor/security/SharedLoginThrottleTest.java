package dev.driftwatch.monitor.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.ServiceTestBase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The login throttle of several instances on one database (as replicas behind a load balancer):
 * failures on different instances add up, a lock taken on one refuses logins on the others, a success
 * on any forgives the user, and the limits expire with the window and the lockout. Two throttles over
 * the service's own database stand for two instances, with a clock the test moves. Addresses are from
 * the documentation ranges (RFC 5737), apart from the other login tests' ones.
 */
class SharedLoginThrottleTest extends ServiceTestBase {

    @Autowired
    private LoginThrottleProperties properties;

    /** A clock the test sets. */
    private static final class TestClock extends Clock {
        private Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS); // (the database keeps microseconds)

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private TestClock clock;
    private LoginThrottle first;
    private LoginThrottle second;

    /** Two instances, one clock. */
    @BeforeEach
    void instances() {
        clock = new TestClock();
        first = new LoginThrottle(properties, jdbc, clock);
        second = new LoginThrottle(properties, jdbc, clock);
    }

    @Test
    void failuresOnDifferentInstancesAddUpAndALockHoldsOnAll() {
        String user = "replica-" + UUID.randomUUID();
        int limit = properties.maxFailures();
        // alternate between the instances, each failure from another address: only the user name locks
        for (int i = 0; i < limit - 1; i++) {
            (i % 2 == 0 ? first : second).failed(user, "192.0.2." + i);
            assertThat(first.lockedFor(user, "198.51.100.1")).isZero();
        }
        second.failed(user, "192.0.2.99");
        assertThat(first.lockedFor(user, "198.51.100.1")).isPositive().isLessThanOrEqualTo(properties.lockout());
        assertThat(second.lockedFor(user, "198.51.100.2")).isEqualTo(properties.lockout());
        assertThat(second.lockedFor("someone-else-" + UUID.randomUUID(), "198.51.100.3")).isZero();

        clock.advance(properties.lockout().plusSeconds(1));
        assertThat(first.lockedFor(user, "198.51.100.1")).isZero();
        assertThat(second.lockedFor(user, "198.51.100.1")).isZero();
    }

    @Test
    void failuresOutsideTheWindowOrForgivenBySuccessDoNotCount() {
        String user = "window-" + UUID.randomUUID();
        int limit = properties.maxFailures();
        for (int i = 0; i < limit - 1; i++) {
            first.failed(user, "192.0.2." + (100 + i));
        }
        clock.advance(properties.window().plusSeconds(1)); // those have expired
        second.failed(user, "192.0.2.150");
        assertThat(first.lockedFor(user, "198.51.100.4")).isZero();

        for (int i = 0; i < limit - 2; i++) {
            second.failed(user, "192.0.2." + (170 + i));
        }
        first.succeeded(user, "192.0.2.180"); // forgiven everywhere
        second.failed(user, "192.0.2.181");
        assertThat(second.lockedFor(user, "198.51.100.5")).isZero();
    }

    @Test
    void anyUserNameOrAddressIsCountedNulsSurrogatesAndMegabytesIncluded() {
        String nul = "nul\u0000" + UUID.randomUUID();
        String surrogate = "lone\uD800" + UUID.randomUUID();
        String huge = "x".repeat(1 << 20) + UUID.randomUUID();
        for (String user : new String[] {nul, surrogate, huge}) {
            for (int i = 0; i < properties.maxFailures(); i++) {
                first.failed(user, "203.0.113." + i);
            }
            assertThat(first.lockedFor(user, "198.51.100.6")).as("locked").isPositive();
        }
        // and any address: failures for different users from one address lock it, for every user
        String address = "203.0.113.200";
        for (int i = 0; i < properties.maxFailures(); i++) {
            first.failed("user-" + i + "-" + UUID.randomUUID(), address);
        }
        assertThat(first.lockedFor("anyone", address)).isPositive();
        assertThat(jdbc.queryForObject("SELECT max(length(throttle_key)) FROM login_lock", Integer.class))
                .isLessThanOrEqualTo(80);
    }
}
