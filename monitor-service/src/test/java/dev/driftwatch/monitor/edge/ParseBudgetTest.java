package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftwatch.monitor.problem.ApiProblem;
import jakarta.servlet.FilterChain;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The parse budget on its own (the service's answers are in {@link ParseBudgetServiceTest}): a request whose
 * tree passes the whole budget fails while it is read, one that finds the budget taken waits, then fails with
 * a 503, and every request gives back what it took.
 */
class ParseBudgetTest {

    private static final long MIB = 1 << 20;

    /** The mapper the service reads bodies with, as far as the budget is concerned. */
    private static final ObjectMapper JSON = JsonMapper.builder().addModule(TinyNumbers.module()).build();

    private interface Work {
        void run() throws Exception;
    }

    /** Runs work as a request through the budget's filter, rethrowing what it threw. */
    private static void request(ParseBudget budget, Work work) throws Exception {
        AtomicReference<Exception> failure = new AtomicReference<>();
        FilterChain chain = (req, res) -> {
            try {
                work.run();
            } catch (Exception e) {
                failure.set(e);
            }
        };
        budget.doFilter(new MockHttpServletRequest("POST", "/api/v1/x"), new MockHttpServletResponse(), chain);
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** A JSON array of n empty objects: about 3 bytes each, and 96 bytes each as a tree. */
    private static byte[] emptyObjects(int n) {
        StringBuilder b = new StringBuilder(3 * n + 2).append('[');
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "{}" : ",{}");
        }
        return b.append(']').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aBodyWhoseTreeWouldPassTheWholeBudgetIsRefusedWhileItIsRead() throws Exception {
        ParseBudget budget = new ParseBudget(4 * MIB);
        int full = budget.freeKiB();
        // 1 MiB of text, ~32 MiB of tree: refused once the tree passes 4 MiB, a tenth of the way in
        byte[] body = emptyObjects(350_000);
        assertThatThrownBy(() -> request(budget, () -> JSON.readTree(body)))
                .isInstanceOfSatisfying(ApiProblem.class, p -> {
                    assertThat(p.getStatus()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
                    assertThat(p.getMessage()).contains("more than the 4 MiB of heap")
                            .contains("driftwatch.api.parse-budget");
                });
        assertThat(budget.freeKiB()).as("given back").isEqualTo(full);
        // a body whose tree fits is read, and gives back what it took
        request(budget, () -> assertThat(JSON.readTree(emptyObjects(10_000)).size()).isEqualTo(10_000));
        assertThat(budget.freeKiB()).isEqualTo(full);
    }

    @Test
    void outsideARequestNothingIsCharged() {
        // the service's own reading of stored JSON
        assertThat(JSON.readTree(emptyObjects(350_000)).size()).isEqualTo(350_000);
    }

    @Test
    @Timeout(30)
    void aRequestThatFindsTheBudgetTakenWaitsThenIsBusyAndTheNextOneGoesThrough() throws Exception {
        ParseBudget budget = new ParseBudget(4 * MIB);
        int full = budget.freeKiB();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // request A holds 3 MiB of tree until told to finish
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> {
            try {
                request(budget, () -> {
                    ParseBudget.charge(3 * MIB);
                    holding.countDown();
                    assertThat(release.await(20, TimeUnit.SECONDS)).isTrue();
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        // request B needs 2 MiB: it waits for A, then is told to come back
        assertThatThrownBy(() -> request(budget, () -> ParseBudget.charge(2 * MIB)))
                .isInstanceOfSatisfying(ApiProblem.class, p -> {
                    assertThat(p.getStatus()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
                    assertThat(p.getMessage()).contains("nothing was written: retry");
                });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(
                ParseBudget.WAIT_MILLIS - 100);
        // request C waits while A is still there, and goes through as soon as A ends
        CompletableFuture<Void> c = CompletableFuture.runAsync(() -> {
            try {
                request(budget, () -> ParseBudget.charge(2 * MIB));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(1)).until(() -> budget.waiting() == 1);
        assertThat(c).isNotDone();
        release.countDown();
        a.get(10, TimeUnit.SECONDS);
        c.get(10, TimeUnit.SECONDS);
        assertThat(budget.freeKiB()).as("everything given back").isEqualTo(full);
    }
}
