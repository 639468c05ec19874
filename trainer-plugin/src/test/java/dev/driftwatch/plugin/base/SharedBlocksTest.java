package dev.driftwatch.plugin.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SharedBlocksTest {

    private final ExecutorService helper = Executors.newSingleThreadExecutor(r -> new Thread(r, "helper"));

    @AfterEach
    void stop() throws InterruptedException {
        helper.shutdownNow();
        assertThat(helper.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void everyPieceRunsOnceAndBothThreadsTakePieces() {
        for (int round = 0; round < 50; round++) {
            AtomicIntegerArray runs = new AtomicIntegerArray(200);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            SharedBlocks.run(200, i -> {
                runs.incrementAndGet(i);
                threads.add(Thread.currentThread().getName());
                spin(20_000);
            }, helper);
            for (int i = 0; i < 200; i++) {
                assertThat(runs.get(i)).as("piece %d, round %d", i, round).isEqualTo(1);
            }
            if (threads.size() == 2) {
                return;
            }
        }
        throw new AssertionError("the helper never took a piece in 50 rounds");
    }

    @Test
    void theCallerDoesNotWaitForABusyHelper() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        helper.execute(() -> awaitQuietly(release)); // the helper is busy, as with the parameter drift
        AtomicInteger done = new AtomicInteger();
        SharedBlocks.run(10, i -> done.incrementAndGet(), helper); // returns although the helper never starts
        assertThat(done.get()).isEqualTo(10);
        release.countDown();
        // the share queued behind the busy task finds nothing left when it runs
        helper.submit(() -> { }).get(10, TimeUnit.SECONDS);
        assertThat(done.get()).isEqualTo(10);
    }

    @Test
    void theCallerWaitsForThePieceTheHelperHoldsBeforeItReturns() {
        CountDownLatch helperHolds = new CountDownLatch(1);
        AtomicBoolean helperDone = new AtomicBoolean();
        SharedBlocks.run(2, i -> {
            if (Thread.currentThread().getName().equals("helper")) {
                helperHolds.countDown();
                spin(50_000_000);
                helperDone.set(true);
            } else {
                awaitQuietly(helperHolds); // the caller's piece ends while the helper still holds its own
            }
        }, helper);
        assertThat(helperDone).isTrue();
    }

    @Test
    void aFailureStopsBothThreadsAndIsRethrownAfterTheHelpersPiece() {
        AtomicInteger started = new AtomicInteger();
        AtomicBoolean helperInPiece = new AtomicBoolean();
        assertThatThrownBy(() -> SharedBlocks.run(1000, i -> {
            started.incrementAndGet();
            if (Thread.currentThread().getName().equals("helper")) {
                helperInPiece.set(true);
                spin(1_000_000);
                helperInPiece.set(false);
            } else if (i >= 10) {
                throw new IllegalStateException("piece " + i);
            }
        }, helper)).isInstanceOf(IllegalStateException.class);
        assertThat(helperInPiece).as("the helper's piece had ended when the failure came out").isFalse();
        assertThat(started.get()).isLessThan(1000);
    }

    @Test
    void theHelpersFailureIsRethrown() {
        CountDownLatch helperFailed = new CountDownLatch(1);
        assertThatThrownBy(() -> SharedBlocks.run(100, i -> {
            if (Thread.currentThread().getName().equals("helper")) {
                helperFailed.countDown();
                throw new IllegalArgumentException("helper piece " + i);
            }
            awaitQuietly(helperFailed); // the caller's first piece lasts until the helper has taken one
        }, helper)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("helper piece");
    }

    @Test
    void anInterruptedCallerStillWaitsForTheHelperAndKeepsTheInterrupt() {
        CountDownLatch helperHolds = new CountDownLatch(1);
        AtomicBoolean helperDone = new AtomicBoolean();
        Thread caller = Thread.currentThread();
        SharedBlocks.run(2, i -> {
            if (Thread.currentThread().getName().equals("helper")) {
                helperHolds.countDown();
                caller.interrupt();
                spin(50_000_000);
                helperDone.set(true);
            } else {
                awaitQuietly(helperHolds);
            }
        }, helper);
        assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
        assertThat(helperDone).isTrue();
    }

    @Test
    void anOfferTheBusyHelperHasNotStartedIsTakenBackAndRunsOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        helper.execute(() -> awaitQuietly(release));
        AtomicInteger runs = new AtomicInteger();
        SharedBlocks.Offer<String> offer = SharedBlocks.offer(() -> {
            runs.incrementAndGet();
            return Thread.currentThread().getName();
        }, helper);
        assertThat(offer.take()).isEqualTo(Thread.currentThread().getName());
        assertThat(offer.helped()).isFalse();
        release.countDown();
        helper.submit(() -> { }).get(10, TimeUnit.SECONDS);
        assertThat(runs.get()).as("the helper's turn came after it was taken back").isEqualTo(1);
    }

    @Test
    void anOfferTheHelperStartedIsWaitedFor() {
        CountDownLatch helperHolds = new CountDownLatch(1);
        SharedBlocks.Offer<String> offer = SharedBlocks.offer(() -> {
            helperHolds.countDown();
            spin(50_000_000);
            return Thread.currentThread().getName();
        }, helper);
        awaitQuietly(helperHolds);
        assertThat(offer.take()).isEqualTo("helper");
        assertThat(offer.helped()).isTrue();
    }

    @Test
    void aWithdrawnOfferNeverRunsAndAStartedOneIsWaitedFor() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        helper.execute(() -> awaitQuietly(release));
        AtomicInteger runs = new AtomicInteger();
        SharedBlocks.Offer<Integer> notStarted = SharedBlocks.offer(runs::incrementAndGet, helper);
        assertThat(notStarted.withdraw()).isTrue();
        release.countDown();
        helper.submit(() -> { }).get(10, TimeUnit.SECONDS);
        assertThat(runs.get()).isZero();

        CountDownLatch helperHolds = new CountDownLatch(1);
        AtomicBoolean ended = new AtomicBoolean();
        SharedBlocks.Offer<Integer> started = SharedBlocks.offer(() -> {
            helperHolds.countDown();
            spin(50_000_000);
            ended.set(true);
            throw new IllegalStateException("failed on the helper");
        }, helper);
        awaitQuietly(helperHolds);
        assertThat(started.withdraw()).isFalse();
        assertThat(ended).as("withdraw waits for work the helper has started").isTrue();
    }

    @Test
    void withoutAHelperTheCallerRunsEveryPiece() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger count = new AtomicInteger();
        SharedBlocks.run(7, i -> {
            count.incrementAndGet();
            threads.add(Thread.currentThread().getName());
        }, null);
        assertThat(count.get()).isEqualTo(7);
        assertThat(threads).containsExactly(Thread.currentThread().getName());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Busy work the JIT cannot remove. */
    private static long sink;

    private static void spin(long n) {
        long x = 0;
        for (long k = 0; k < n; k++) {
            x += k ^ (x >>> 3);
        }
        sink += x;
    }
}
