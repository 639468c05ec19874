package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Bounds the heap that the JSON bodies of the requests being served take once parsed, together. Every JSON
 * body is read into a tree ({@link TinyNumbers}' deserializer sees each of its tokens), and a tree costs many
 * times its bytes: measured with Jackson 3, a 16 MiB array of empty objects {@code [{},{},...]} became 450 MiB
 * of heap, nested empty arrays 31 bytes of heap per byte, where a batch of checkpoints takes 4-7. So the size
 * limits alone let one request within them, or a few together, exhaust a service's heap (a 16 KiB gzipped
 * body did, on a 512 MiB heap: every later request hung).
 *
 * <p>Each token read is charged, as it is read, to the request's lease by what its node will take
 * ({@link #cost}: within 0.8-1.5x of the heap measured for every shape above); a lease takes that heap from
 * one shared budget, a mebibyte at a time. A body whose tree alone would pass the whole budget is refused,
 * 413; one that finds the budget taken by other requests waits up to {@link #WAIT_MILLIS} for them, then is
 * answered 503 with {@code Retry-After} (nothing was written, and the trainer plugin retries it). The
 * lease gives its heap back when the request ends.
 *
 * <p>Also the filter that opens each request's lease and closes it when the request is answered.
 */
public final class ParseBudget extends OncePerRequestFilter {

    /** How long a request waits for other requests to give heap back before it is answered 503. */
    static final long WAIT_MILLIS = 2_000;
    /** Heap is taken from the budget in steps of this many bytes. */
    private static final long STEP = 1 << 20;

    /** The lease of the request this thread serves, or null outside a request. */
    private static final ThreadLocal<Lease> CURRENT = new ThreadLocal<>();

    private final long budgetBytes;
    /** The budget in KiB. */
    private final Semaphore free;

    /**
     * Creates the budget.
     *
     * @param budgetBytes the heap the parsed bodies of all requests may take together, at least 1 MiB
     */
    public ParseBudget(long budgetBytes) {
        if (budgetBytes < STEP) {
            throw new IllegalArgumentException("the parse budget must be at least 1 MiB, not " + budgetBytes + " bytes");
        }
        this.budgetBytes = budgetBytes;
        this.free = new Semaphore((int) Math.min(Integer.MAX_VALUE, budgetBytes >> 10));
    }

    /**
     * The default budget: a quarter of the heap the JVM may use.
     *
     * @return bytes
     */
    static long defaultBytes() {
        return Math.max(STEP, Runtime.getRuntime().maxMemory() / 4);
    }

    /** @return the budget in bytes */
    long budgetBytes() {
        return budgetBytes;
    }

    /** @return the requests waiting for the budget now (for tests) */
    int waiting() {
        return free.getQueueLength();
    }

    /** @return the budget not taken by any request now, in KiB (for tests) */
    int freeKiB() {
        return free.availablePermits();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Lease lease = new Lease();
        Lease outer = CURRENT.get();
        CURRENT.set(lease);
        try {
            chain.doFilter(request, response);
        } finally {
            lease.close();
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /**
     * Charges the heap of a node to the current request's lease; nothing outside a request (the service's
     * own reading of stored JSON).
     *
     * @param bytes the heap the node will take
     * @throws ApiProblem 413 when the request's tree passes the whole budget, 503 when the budget stays taken
     */
    public static void charge(long bytes) {
        Lease lease = CURRENT.get();
        if (lease != null) {
            lease.charge(bytes);
        }
    }

    /**
     * The heap the tree node of the parser's current token will take, about: an object 96 bytes, an array
     * 80, a property 80 and two bytes a character of its name, a string 64 and two a character, a number
     * 24-40, and 8 for a literal (a shared node, referenced).
     *
     * @param p a parser positioned on a token
     * @return bytes, 0 for the end of a container or no token
     */
    static long cost(JsonParser p) {
        JsonToken token = p.currentToken();
        if (token == null) {
            return 0;
        }
        return switch (token) {
            case START_OBJECT -> 96;
            case START_ARRAY -> 80;
            case PROPERTY_NAME -> 80 + 2L * p.currentName().length();
            case VALUE_STRING -> 64 + 2L * p.getStringLength();
            case VALUE_NUMBER_INT -> 24;
            case VALUE_NUMBER_FLOAT -> 40;
            case VALUE_TRUE, VALUE_FALSE, VALUE_NULL, VALUE_EMBEDDED_OBJECT -> 8;
            default -> 0;
        };
    }

    /** What one request has charged and taken from the budget. */
    private final class Lease {

        private long charged;
        private long takenKiB;

        void charge(long bytes) {
            charged += bytes;
            if (charged <= takenKiB << 10) {
                return;
            }
            if (charged > budgetBytes) {
                throw tooComplex();
            }
            long wantKiB = Math.min(budgetBytes, Math.max(charged, (takenKiB << 10) + STEP)) + 1023 >> 10;
            int more = (int) Math.min(Integer.MAX_VALUE, wantKiB - takenKiB);
            boolean got;
            try {
                got = free.tryAcquire(more, WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                got = false;
            }
            if (!got) {
                throw busy();
            }
            takenKiB += more;
        }

        void close() {
            free.release((int) takenKiB);
            takenKiB = 0;
        }

        private ApiProblem tooComplex() {
            long mib = budgetBytes >> 20;
            return new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Body too large",
                    "the body, once parsed, would take more than the " + mib + " MiB of heap the service keeps for"
                            + " parsing bodies (driftwatch.api.parse-budget); send it in smaller parts",
                    List.of(new ApiProblem.FieldProblem("body", "must parse into at most " + mib + " MiB")));
        }

        private ApiProblem busy() {
            return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, "busy", "Service busy",
                    "other requests' bodies take the heap the service keeps for parsing (driftwatch.api.parse-budget);"
                            + " nothing was written: retry the request", List.of());
        }
    }
}
