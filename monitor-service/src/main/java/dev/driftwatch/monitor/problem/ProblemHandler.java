package dev.driftwatch.monitor.problem;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.sql.SQLException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;

/**
 * Renders every error of the REST API as {@code application/problem+json}: our own
 * {@link ApiProblem}s, Spring MVC's (bad parameters, unsupported media types, unknown paths), headers the
 * security firewall refuses (400 naming them), transient database concurrency failures (503 with
 * {@code Retry-After}) and, as a last resort, anything unexpected (logged, 500).
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    /** Seconds a client waits before retrying after a transient database failure. */
    static final String RETRY_AFTER_SECONDS = "1";

    /** PostgreSQL's serialization_failure, deadlock_detected and lock_not_available (lock timeout). */
    private static final Set<String> TRANSIENT_SQL_STATES = Set.of("40001", "40P01", "55P03");

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<ProblemDetail> apiProblem(ApiProblem problem) {
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (problem.getStatus() == HttpStatus.CONTENT_TOO_LARGE) {
            // the rest of the body is not wanted: close instead of reading it to reuse the connection
            answer.header(HttpHeaders.CONNECTION, "close");
        }
        if (problem.getStatus() == HttpStatus.SERVICE_UNAVAILABLE) {
            answer.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS); // (a busy service: nothing was written)
        }
        return answer.body(problem.toProblemDetail());
    }

    /**
     * A body that could not be read: refused by the edge's stream (413 too large, 415 not UTF-8) or not bindable
     * (400 naming the field Jackson was at, never Spring's "Failed to read request").
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            org.springframework.http.converter.HttpMessageNotReadableException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        ApiProblem problem = BodyRefusedException.in(e);
        for (Throwable t = e.getCause(); t != null && problem == null; t = t.getCause()) {
            if (t instanceof ApiProblem p) {
                problem = p;
            } else if (t instanceof JacksonException j) {
                problem = JsonProblems.of(j);
            }
        }
        if (problem == null) {
            problem = ApiProblem.invalid("body", "is missing or could not be read");
        }
        ResponseEntity<ProblemDetail> answer = apiProblem(problem);
        return new ResponseEntity<>(answer.getBody(), answer.getHeaders(), answer.getStatusCode());
    }

    /**
     * Query parameters bound to a record (the runs list's filters and paging) that could not be converted: a 400
     * naming each, as a single parameter's type mismatch is, not Spring's unnamed "Invalid request content."
     */
    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(
            org.springframework.web.bind.MethodArgumentNotValidException e, HttpHeaders headers, HttpStatusCode status,
            WebRequest request) {
        java.util.List<ApiProblem.FieldProblem> problems = new java.util.ArrayList<>();
        for (org.springframework.validation.FieldError f : e.getBindingResult().getFieldErrors()) {
            Object value = f.getRejectedValue();
            String shown = value instanceof Object[] values ? String.join("', '", java.util.Arrays.stream(values)
                    .map(String::valueOf).toList()) : String.valueOf(value);
            problems.add(new ApiProblem.FieldProblem(f.getField(), f.isBindingFailure()
                    ? "has an invalid value '" + shown + "'" : String.valueOf(f.getDefaultMessage())));
        }
        if (problems.isEmpty()) {
            problems.add(new ApiProblem.FieldProblem("parameter", "is invalid"));
        }
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ApiProblem.invalid(problems).toProblemDetail());
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(org.springframework.beans.TypeMismatchException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String field = e.getPropertyName() == null ? "parameter" : e.getPropertyName();
        if (e instanceof org.springframework.web.method.annotation.MethodArgumentTypeMismatchException m) {
            field = m.getName();
        }
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ApiProblem.invalid(field, "has an invalid value '" + e.getValue() + "'").toProblemDetail());
    }

    /**
     * A header the security filter chain's firewall refuses, found when a controller reads it (the firewall
     * checks headers lazily): a 400 naming the header, not the last resort's 500.
     */
    @ExceptionHandler(RequestRejectedException.class)
    ResponseEntity<ProblemDetail> refusedByFirewall(RequestRejectedException e, HttpServletRequest request) {
        return apiProblem(FirewallRefusal.of(request));
    }

    /**
     * A lock timeout, deadlock or serialization failure: the transaction rolled back and wrote
     * nothing, and every write of the API is idempotent, so the client is told to retry shortly.
     */
    @ExceptionHandler(TransientDataAccessException.class)
    ResponseEntity<ProblemDetail> transientDatabaseFailure(TransientDataAccessException e) {
        return busy(e);
    }

    private static ResponseEntity<ProblemDetail> busy(Exception e) {
        log.warn("Transient database conflict, answered 503 for a retry: {}", e.getMessage());
        return retryLater("busy", "the database was busy (lock or serialization conflict); retry the request");
    }

    /** A 503 with Retry-After: nothing was written, and the same request may succeed shortly. */
    private static ResponseEntity<ProblemDetail> retryLater(String type, String detail) {
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail);
        pd.setType(URI.create(ApiProblem.TYPE_BASE + type));
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(pd);
    }

    /**
     * Whether a failure was caused by PostgreSQL giving up on a lock or a serializable
     * transaction. Spring translates some of these SQL states to a {@link TransientDataAccessException}
     * but leaves others (55P03, a lock timeout) uncategorized, so the cause chain is checked too.
     */
    static boolean isTransientConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransientDataAccessException
                    || t instanceof SQLException sql && sql.getSQLState() != null // (Set.of throws on null)
                            && TRANSIENT_SQL_STATES.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a failure was the database being out of reach: no connection to be had (a restart, a
     * failover, a full pool), or PostgreSQL shutting down. Nothing was written, and a retry may find it
     * back, so the answer is a 503 like a conflict's rather than a 500, which clients take for a refusal.
     */
    static boolean isDatabaseUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.springframework.dao.DataAccessResourceFailureException
                    || t instanceof org.springframework.transaction.CannotCreateTransactionException
                    || t instanceof SQLException sql && sql.getSQLState() != null
                            && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        if (isTransientConflict(e)) {
            return busy(e);
        }
        if (isDatabaseUnreachable(e)) {
            log.warn("The database is out of reach, answered 503 for a retry: {}", e.toString());
            return retryLater("database-unavailable", "the database is out of reach; nothing was written, retry the "
                    + "request");
        }
        ApiProblem refused = BodyRefusedException.in(e);
        if (refused != null) {
            return apiProblem(refused);
        }
        log.error("Unexpected error", e);
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, "internal error");
        pd.setType(URI.create(ApiProblem.TYPE_BASE + "internal"));
        return ResponseEntity.internalServerError().contentType(MediaType.APPLICATION_PROBLEM_JSON).body(pd);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (response != null && response.getBody() instanceof ProblemDetail pd) {
            if (pd.getType() == null || "about:blank".equals(pd.getType().toString())) {
                pd.setType(URI.create(ApiProblem.httpType(statusCode.value())));
            }
            HttpHeaders h = new HttpHeaders();
            h.addAll(response.getHeaders());
            h.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
            return new ResponseEntity<>(pd, h, response.getStatusCode());
        }
        return response;
    }
}
