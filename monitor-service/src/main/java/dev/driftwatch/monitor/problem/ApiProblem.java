package dev.driftwatch.monitor.problem;

import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * A request the service rejects, answered as {@code application/problem+json} (RFC 9457) with the
 * fields at fault. Thrown anywhere below a controller; {@link ProblemHandler} renders it.
 */
public class ApiProblem extends RuntimeException {

    /** Base of the problem type URIs. */
    public static final String TYPE_BASE = "https://driftwatch.dev/problems/";

    /**
     * The type URI of a problem that is only its HTTP status (Spring's own errors, the error page).
     *
     * @param status the status code
     * @return e.g. {@code https://driftwatch.dev/problems/http-405}
     */
    public static String httpType(int status) {
        return TYPE_BASE + "http-" + status;
    }

    private final HttpStatus status;
    private final String type;
    private final String title;
    private final List<FieldProblem> errors;
    private final java.util.Map<String, Object> properties;

    /**
     * One field at fault.
     *
     * @param field the path of the field, e.g. {@code checkpoints[2].metrics.kl_base_ft.mean}
     * @param message what is wrong with it
     */
    public record FieldProblem(String field, String message) {}

    /**
     * Creates a problem.
     *
     * @param status the HTTP status
     * @param type the last segment of the type URI, e.g. {@code invalid-field}
     * @param title a short, fixed summary of the problem type
     * @param detail the explanation of this occurrence
     * @param errors the fields at fault, may be empty
     */
    public ApiProblem(HttpStatus status, String type, String title, String detail, List<FieldProblem> errors) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = List.copyOf(errors);
        this.properties = java.util.Map.of();
    }

    private ApiProblem(ApiProblem base, String detail, java.util.Map<String, Object> properties) {
        super(detail);
        this.status = base.status;
        this.type = base.type;
        this.title = base.title;
        this.errors = base.errors;
        this.properties = java.util.Map.copyOf(properties);
    }

    /**
     * The same problem with another detail and one more property in its answer.
     *
     * @param detail the new detail
     * @param name the property name, e.g. {@code rejected}
     * @param value its value, rendered as JSON
     * @return the new problem
     */
    public ApiProblem with(String detail, String name, Object value) {
        java.util.Map<String, Object> more = new java.util.LinkedHashMap<>(properties);
        more.put(name, value);
        return new ApiProblem(this, detail, more);
    }

    /**
     * A 400 for invalid fields; the detail names the first.
     *
     * @param errors the fields at fault, at least one
     * @return the problem
     */
    public static ApiProblem invalid(List<FieldProblem> errors) {
        FieldProblem first = errors.get(0);
        String detail = first.field() + " " + first.message()
                + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "");
        return new ApiProblem(HttpStatus.BAD_REQUEST, "invalid-field", "Invalid request", detail, errors);
    }

    /**
     * A 400 for one invalid field.
     *
     * @param field the field's path
     * @param message what is wrong
     * @return the problem
     */
    public static ApiProblem invalid(String field, String message) {
        return invalid(List.of(new FieldProblem(field, message)));
    }

    /**
     * A 415 for a {@code Content-Encoding} the endpoint does not take.
     *
     * @param message what it must be, e.g. {@code must be gzip or identity}
     * @return the problem, naming {@code Content-Encoding}
     */
    public static ApiProblem unsupportedEncoding(String message) {
        return new ApiProblem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-encoding", "Unsupported encoding",
                "Content-Encoding " + message, List.of(new FieldProblem("Content-Encoding", message)));
    }

    /**
     * A 404 for something that does not exist.
     *
     * @param what e.g. {@code run 'abc'}
     * @return the problem
     */
    public static ApiProblem notFound(String what) {
        return new ApiProblem(HttpStatus.NOT_FOUND, "not-found", "Not found", what + " does not exist", List.of());
    }

    /**
     * A 403 for a token of another project.
     *
     * @param projectKey the project in the path
     * @return the problem
     */
    public static ApiProblem forbidden(String projectKey) {
        return new ApiProblem(HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
                "this token does not belong to project '" + projectKey + "'", List.of());
    }

    /** @return the HTTP status */
    public HttpStatus getStatus() {
        return status;
    }

    /** @return the fields at fault */
    public List<FieldProblem> getErrors() {
        return errors;
    }

    /**
     * Renders the problem.
     *
     * @return the problem detail, with an {@code errors} property when fields are at fault
     */
    public ProblemDetail toProblemDetail() {
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, getMessage());
        pd.setType(URI.create(TYPE_BASE + type));
        pd.setTitle(title);
        if (!errors.isEmpty()) {
            pd.setProperty("errors", errors);
        }
        properties.forEach(pd::setProperty);
        return pd;
    }
}
