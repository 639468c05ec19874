package dev.driftwatch.monitor.problem;

import java.io.IOException;

/**
 * Thrown by a request body's stream when what passes through it must be refused (too large, not
 * UTF-8): whoever was reading (Jackson, the ingestion reader) fails, and the error handler answers
 * {@link #problem}. An {@link IOException}, so that readers pass it on as a failed read.
 */
public class BodyRefusedException extends IOException {

    private final transient ApiProblem problem;

    /**
     * Creates the exception.
     *
     * @param problem the answer
     */
    public BodyRefusedException(ApiProblem problem) {
        super(problem.getMessage());
        this.problem = problem;
    }

    /**
     * The answer to the request.
     *
     * @return the problem
     */
    public ApiProblem problem() {
        return problem;
    }

    /**
     * Finds a refused body in a cause chain.
     *
     * @param e any failure
     * @return its problem, or null when no body was refused
     */
    public static ApiProblem in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BodyRefusedException b) {
                return b.problem();
            }
        }
        return null;
    }
}
