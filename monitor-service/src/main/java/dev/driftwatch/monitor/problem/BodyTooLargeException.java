package dev.driftwatch.monitor.problem;

import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * Thrown by a bounded request body when a reader goes past the limit; whoever was reading (Jackson,
 * the ingestion reader) fails, and the error handler answers {@link #problem} (413).
 */
public class BodyTooLargeException extends BodyRefusedException {

    /**
     * Creates the exception.
     *
     * @param limit the limit in bytes
     */
    public BodyTooLargeException(long limit) {
        super(problem(limit));
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
}
