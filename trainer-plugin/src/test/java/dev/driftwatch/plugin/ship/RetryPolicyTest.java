package dev.driftwatch.plugin.ship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofSeconds(30));

    @Test
    void doublesUpToTheCap() {
        assertThat(policy.backoff(0, 0.999999, null)).isCloseTo(Duration.ofMillis(100), Duration.ofMillis(1));
        assertThat(policy.backoff(1, 0.999999, null)).isCloseTo(Duration.ofMillis(200), Duration.ofMillis(1));
        assertThat(policy.backoff(4, 0.999999, null)).isCloseTo(Duration.ofMillis(1600), Duration.ofMillis(1));
        assertThat(policy.backoff(5, 0.999999, null)).isCloseTo(Duration.ofSeconds(2), Duration.ofMillis(1));
        assertThat(policy.backoff(500, 0.999999, null)).isCloseTo(Duration.ofSeconds(2), Duration.ofMillis(1));
    }

    @Test
    void jitterDrawsFromTheUpperHalf() {
        assertThat(policy.backoff(3, 0.0, null)).isEqualTo(Duration.ofMillis(400));
        assertThat(policy.backoff(3, 0.5, null)).isEqualTo(Duration.ofMillis(600));
    }

    @Test
    void retryAfterIsAFloor() {
        assertThat(policy.backoff(0, 0.0, Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.backoff(5, 0.0, Duration.ofMillis(1))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessageContaining("initialBackoff");
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessageContaining("maxBackoff");
    }
}
