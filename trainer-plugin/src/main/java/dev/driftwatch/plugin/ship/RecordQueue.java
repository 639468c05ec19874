package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.WireRecord;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded hand-over queue between the training thread and the sender, bounded both in records and in their
 * size ({@link WireSize}: a few large checkpoints, such as ones with thousands of tensors, fill it as many small
 * ones do, so the training job's heap never holds more than the bound while the service is away). Lock-free, so
 * that the training thread never waits for a lock the sender holds (a sender descheduled while holding one would
 * stall training for a whole time slice on a busy machine).
 */
final class RecordQueue {

    private record Entry(WireRecord record, long bytes) {}

    private final ConcurrentLinkedQueue<Entry> items = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final int capacity;
    private final long byteCapacity;
    /** Half the bounds (at least 1): where the sender is told to stop retrying and spool. */
    private final int halfRecords;
    private final long halfBytes;

    /**
     * Creates a queue.
     *
     * @param capacity the most records it holds
     * @param byteCapacity the most estimated JSON bytes it holds (one record of any size fits an empty queue)
     */
    RecordQueue(int capacity, long byteCapacity) {
        this.capacity = capacity;
        this.byteCapacity = byteCapacity;
        this.halfRecords = Math.max(1, capacity / 2);
        this.halfBytes = Math.max(1, byteCapacity / 2);
    }

    /** {@link #offer}: the queue was full, and the record is not in it. */
    static final int FULL = -1;
    /** {@link #offer}: the record is in the queue. */
    static final int QUEUED = 0;
    /** {@link #offer}: the record is in the queue, and made it half full (in records or in bytes). */
    static final int HALF_FULL = 1;

    /**
     * Adds a record unless the queue is full.
     *
     * @param record the record
     * @return {@link #FULL}, {@link #QUEUED} or {@link #HALF_FULL}
     */
    int offer(WireRecord record) {
        long weight = WireSize.of(record);
        int n = size.incrementAndGet();
        long held = bytes.addAndGet(weight);
        if (n > capacity || (held > byteCapacity && n > 1)) {
            size.decrementAndGet();
            bytes.addAndGet(-weight);
            return FULL;
        }
        items.add(new Entry(record, weight));
        return n == halfRecords || (held >= halfBytes && held - weight < halfBytes) ? HALF_FULL : QUEUED;
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
     * Whether the queue is at least half full, in records or in bytes.
     *
     * @return whether
     */
    boolean halfFull() {
        return size.get() >= halfRecords || bytes.get() >= halfBytes;
    }

    /**
     * Whether a whole batch waits: {@code records} records, or {@code maxBytes} estimated bytes.
     *
     * @param records a batch's records
     * @param maxBytes a batch's bytes
     * @return whether
     */
    boolean holdsBatch(int records, long maxBytes) {
        return size.get() >= records || bytes.get() >= maxBytes;
    }

    /**
     * Moves records, oldest first, into a list: up to {@code max}, and while their estimated bytes stay within
     * {@code maxBytes} (the first always moves).
     *
     * @param into the list
     * @param max the most to move
     * @param maxBytes the most estimated bytes to move
     * @return how many were moved
     */
    int drainTo(List<WireRecord> into, int max, long maxBytes) {
        int moved = 0;
        long taken = 0;
        for (Entry e; moved < max && (e = items.peek()) != null; ) {
            if (moved > 0 && taken + e.bytes() > maxBytes) {
                break;
            }
            if (items.poll() != e) {
                throw new IllegalStateException("the queue has one reader, the sender");
            }
            into.add(e.record());
            size.decrementAndGet();
            bytes.addAndGet(-e.bytes());
            taken += e.bytes();
            moved++;
        }
        return moved;
    }
}
