package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.WireRecord;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded hand-over queue between the training thread and the sender. Lock-free, so that the
 * training thread never waits for a lock the sender holds (a sender descheduled while holding one
 * would stall training for a whole time slice on a busy machine).
 */
final class RecordQueue {

    private final ConcurrentLinkedQueue<WireRecord> items = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;

    /**
     * Creates a queue.
     *
     * @param capacity the most records it holds
     */
    RecordQueue(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Adds a record unless the queue is full.
     *
     * @param record the record
     * @return the queue's size with it, or -1 when it was full
     */
    int offer(WireRecord record) {
        int n = size.incrementAndGet();
        if (n > capacity) {
            size.decrementAndGet();
            return -1;
        }
        items.add(record);
        return n;
    }

    /**
     * Returns how many records wait (an upper bound while an offer is under way).
     *
     * @return the size
     */
    int size() {
        return size.get();
    }

    /**
     * Moves up to {@code max} records, oldest first, into a list.
     *
     * @param into the list
     * @param max the most to move
     * @return how many were moved
     */
    int drainTo(List<WireRecord> into, int max) {
        int moved = 0;
        WireRecord r;
        while (moved < max && (r = items.poll()) != null) {
            into.add(r);
            size.decrementAndGet();
            moved++;
        }
        return moved;
    }
}
