package dev.driftwatch.monitor.problem;

import java.io.IOException;
import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * Thrown by a bounded request body when a reader goes past the limit; whoever was reading (Jackson,
 * the ingestion reader) fails, and the error handler answers {@link #problem} (413).
 */
public class BodyTooLargeException extends IOException {

    private final long limit;

    /**
     * Creates the exception.
     *
     * @param limit the limit in bytes
     */
    public BodyTooLargeException(long limit) {
        super("the request body is larger than " + limit + " bytes");
        this.limit = limit;
    }

    /**
     * The 413 answer.
     *
     * @param limit the limit in bytes
     * @return the problem, naming the body
     */
    public static ApiProblem problem(long limit) {
        return new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Body too large",
                "the body is larger than " + limit + " bytes (after decompression)",
                List.of(new ApiProblem.FieldProblem("body", "must be at most " + limit + " bytes")));
    }

    /**
     * Finds a body-too-large failure in a cause chain.
     *
     * @param e any failure
     * @return the 413 problem, or null when the body was not too large
     */
    public static ApiProblem in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BodyTooLargeException b) {
                return problem(b.limit);
            }
        }
        return null;
    }
}
