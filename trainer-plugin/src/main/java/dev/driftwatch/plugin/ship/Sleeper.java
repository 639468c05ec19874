package dev.driftwatch.plugin.ship;

import java.time.Duration;

/** Waits; injectable so that tests of the retry loop run without real waiting. */
@FunctionalInterface
interface Sleeper {

    /** The real one. */
    Sleeper SYSTEM = d -> {
        if (!d.isZero() && !d.isNegative()) {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        }
    };

    /**
     * Waits for a while.
     *
     * @param duration how long
     * @throws InterruptedException when interrupted (the sink's close interrupts a waiting sender)
     */
    void sleep(Duration duration) throws InterruptedException;
}
