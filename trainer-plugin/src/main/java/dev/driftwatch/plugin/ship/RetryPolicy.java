package dev.driftwatch.plugin.ship;

import java.time.Duration;
import java.util.Objects;

/**
 * How the shipping client retries transient failures (connect errors, timeouts, 429, 502, 503, 504):
 * capped exponential backoff with jitter, {@code Retry-After} honoured, the whole loop bounded by
 * {@link #maxElapsed()}.
 *
 * <p>The wait before retry {@code k} (k = 0, 1, ...) is drawn uniformly from
 * {@code [b/2, b]} with {@code b = min(maxBackoff, initialBackoff * 2^k)} ("equal jitter"), and is
 * at least the server's {@code Retry-After}. A retry whose wait would end after {@code maxElapsed}
 * is not made.
 *
 * <pre>
 * RetryPolicy policy = new RetryPolicy(Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(30));
 * </pre>
 *
 * @param initialBackoff the base wait before the first retry
 * @param maxBackoff the cap of the exponential base wait
 * @param maxElapsed the bound of the whole loop, first attempt included
 */
public record RetryPolicy(Duration initialBackoff, Duration maxBackoff, Duration maxElapsed) {

    /**
     * Checks the durations.
     *
     * @param initialBackoff the base wait before the first retry
     * @param maxBackoff the cap of the exponential base wait
     * @param maxElapsed the bound of the whole loop, first attempt included
     */
    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxElapsed, "maxElapsed");
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("initialBackoff must be > 0, got " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be >= initialBackoff, got " + maxBackoff);
        }
        if (maxElapsed.isNegative()) {
            throw new IllegalArgumentException("maxElapsed must be >= 0, got " + maxElapsed);
        }
    }

    /**
     * The default: 250 ms doubling up to 10 s, at most 30 s in all.
     *
     * @return the default policy
     */
    public static RetryPolicy defaults() {
        return new RetryPolicy(Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    /**
     * A policy that never retries (one attempt only).
     *
     * @return the policy
     */
    public static RetryPolicy none() {
        return new RetryPolicy(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO);
    }

    /**
     * Computes the wait before a retry.
     *
     * @param retry the retry's index, 0 for the first retry
     * @param jitter a random number in [0, 1)
     * @param retryAfter the server's {@code Retry-After}, or null
     * @return the wait
     */
    Duration backoff(int retry, double jitter, Duration retryAfter) {
        long initial = initialBackoff.toNanos();
        long cap = maxBackoff.toNanos();
        // shift only as far as it can go without overflow; the cap applies anyway
        long base = retry >= 62 || initial > (cap >> Math.min(retry, 62)) ? cap : Math.min(cap, initial << retry);
        long wait = base / 2 + (long) (base / 2.0 * jitter);
        if (retryAfter != null && retryAfter.toNanos() > wait) {
            wait = retryAfter.toNanos();
        }
        return Duration.ofNanos(wait);
    }
}
