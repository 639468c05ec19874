package dev.driftwatch.plugin.ship;

import java.util.concurrent.atomic.AtomicLong;

/** The live counters behind {@link ShipStats}; updated from the training and the sender thread. */
final class ShipCounters {

    final AtomicLong sent = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong spooled = new AtomicLong();
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();

    /**
     * Takes a snapshot.
     *
     * @return the current values
     */
    ShipStats snapshot() {
        return new ShipStats(sent.get(), retried.get(), spooled.get(), replayed.get(), rejected.get(), dropped.get());
    }
}
