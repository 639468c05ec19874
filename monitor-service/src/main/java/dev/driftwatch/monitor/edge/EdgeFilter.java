package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.BodyTooLargeException;
import dev.driftwatch.monitor.problem.JsonProblems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;
import tools.jackson.databind.ObjectMapper;

/**
 * The first filter of every request (before security): a body declared larger than its limit is
 * answered 413 before a byte of it is read, any other body is read through {@link BoundedRequest}
 * (413 once a reader passes the limit), a path or query parameter holding text PostgreSQL cannot
 * store ({@link PgLimits#textProblem}) is a 400 naming the parameter, and a JSON body that is not UTF-8
 * ({@link JsonEncoding}: a declared charset, or its bytes, {@link Utf8Check}) or a form declaring a charset it
 * cannot be read in ({@link FormCharset}) is a 415.
 *
 * <p>Two limits: ingestion requests (a run's {@code PUT}, its checkpoint batches and its finish) may be
 * as large as a batch of checkpoints needs; every other request (rules, settings, UI forms) is a small
 * document, bound to a much smaller limit, because it is parsed into a tree whose heap is many times its
 * bytes (measured with Jackson 3: a 16 MB array of empty objects {@code [{},{},...]} became a 445 MB tree,
 * 28 bytes of heap per byte; an array of numbers 2-4 bytes per byte).
 */
final class EdgeFilter extends OncePerRequestFilter {

    /** A run's ingestion endpoints: {@code /api/v1/projects/{p}/runs/{run}[/checkpoints|/finish]}. */
    private static final Pattern INGESTION =
            Pattern.compile("/api/v1/projects/[^/]+/runs/[^/]+(/checkpoints|/finish)?/?");

    private final long maxBodyBytes;
    private final long maxDocumentBytes;
    private final ObjectMapper json;

    EdgeFilter(long maxBodyBytes, long maxDocumentBytes, ObjectMapper json) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxDocumentBytes = maxDocumentBytes;
        this.json = json;
    }

    /**
     * The web server's parameter limit when it refused a request for having more parameters than that (Tomcat
     * says so with the same status as a malformed escape, telling the two apart only by its message, which is
     * matched in the JVM's language through Tomcat's own message table), else null.
     */
    static String parameterCountLimit(InvalidParameterException e) {
        String template = org.apache.tomcat.util.res.StringManager.getManager("org.apache.tomcat.util.http")
                .getString("parameters.maxCountFail");
        int at = template == null ? -1 : template.indexOf("{0}");
        String message = e.getMessage();
        if (at < 0 || message == null || !message.startsWith(template.substring(0, at))) {
            return null;
        }
        String rest = message.substring(at);
        int end = rest.indexOf(template.charAt(at + 3));
        return end < 0 ? null : rest.substring(0, end);
    }

    /** The body limit of a request: ingestion's for a run's writes, the document limit for the rest. */
    long limitOf(HttpServletRequest request) {
        return ingestion(request) ? maxBodyBytes : maxDocumentBytes;
    }

    /**
     * Whether a request writes to ingestion, whose reader takes gzip bodies (and checks their encoding once
     * inflated).
     */
    private static boolean ingestion(HttpServletRequest request) {
        boolean write = "PUT".equals(request.getMethod()) || "POST".equals(request.getMethod());
        return write && INGESTION.matcher(request.getRequestURI()).matches();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if ("/error".equals(request.getRequestURI())) {
            // the error page is for the container's error dispatches; asked for directly it has no
            // error to show (Spring's controller would call that a 500)
            reject(response, ApiProblem.notFound("page '/error'"));
            return;
        }
        long limit = limitOf(request);
        if (request.getContentLengthLong() > limit) {
            reject(response, BodyTooLargeException.problem(limit));
            return;
        }
        // Before anything reads the parameters, which parses a form body once and for all: in the charset
        // it declares, else UTF-8 (what browsers send). The servlet default is ISO-8859-1, and Spring's
        // CharacterEncodingFilter, which sets UTF-8, runs after this filter: a rule named "café" in the UI
        // was stored as "cafÃ©".
        if (request.getCharacterEncoding() == null) {
            request.setCharacterEncoding(StandardCharsets.UTF_8.name());
        }
        ContentType type = ContentType.of(request.getContentType());
        boolean json = type != null && type.json();
        ApiProblem charset = json ? JsonEncoding.charsetProblem(type)
                : type != null && type.form() ? FormCharset.problem(type) : null;
        if (charset != null) {
            reject(response, charset);
            return;
        }
        boolean body = request.getContentLengthLong() > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
        if (body && compressed(request) && !ingestion(request)) {
            // nothing else inflates a body: Jackson would read the bytes as they come (and guess UTF-16 from
            // them, past the encoding check, which would see compressed bytes), a form parser likewise
            reject(response, ApiProblem.unsupportedEncoding("must be identity or absent here: only the ingestion "
                    + "endpoints take a compressed body"));
            return;
        }
        ApiProblem text = unstorableText(request);
        if (text != null) {
            reject(response, text);
            return;
        }
        // the ingestion reader checks the encoding of its bodies itself, once inflated: one pass over them
        chain.doFilter(new BoundedRequest(request, limit, json && !ingestion(request)), response);
    }

    /**
     * Whether a request's body comes compressed, so its bytes do not show its encoding: such a body is checked
     * once inflated, by the reader that inflates it.
     */
    private static boolean compressed(HttpServletRequest request) {
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        return encoding != null && !encoding.isBlank() && !"identity".equalsIgnoreCase(encoding.trim());
    }

    private static ApiProblem unstorableText(HttpServletRequest request) {
        List<ApiProblem.FieldProblem> problems = new ArrayList<>();
        try {
            String path = UriUtils.decode(request.getRequestURI(), StandardCharsets.UTF_8);
            String why = PgLimits.textProblem(path);
            if (why != null) {
                problems.add(new ApiProblem.FieldProblem("path", why));
            }
        } catch (IllegalArgumentException e) {
            // a malformed escape is left to the router, which answers 400 or 404
        }
        Map<String, String[]> parameters;
        try {
            parameters = request.getParameterMap();
        } catch (InvalidParameterException e) {
            if (e.getErrorCode() != HttpServletResponse.SC_BAD_REQUEST) {
                throw e; // a size or count limit: the web server's own answer (413) stands
            }
            ContentType type = ContentType.of(request.getContentType());
            boolean form = type != null && type.form();
            String field = form ? "body" : "query";
            String limit = parameterCountLimit(e);
            problems.add(new ApiProblem.FieldProblem(field, limit != null
                    ? "has more than the " + limit + " parameters (query and form fields together) the web server"
                            + " takes: server.tomcat.max-parameter-count"
                    : "has a malformed %-escape, or one whose bytes are not " + request.getCharacterEncoding() + " text"
                            + (form ? " (the form's charset)" : "")));
            return ApiProblem.invalid(problems);
        }
        ContentType sent = ContentType.of(request.getContentType());
        boolean uiForm = "POST".equals(request.getMethod()) && sent != null && sent.form()
                && !request.getRequestURI().startsWith("/api/");
        for (Map.Entry<String, String[]> p : parameters.entrySet()) {
            String nameProblem = PgLimits.textProblem(p.getKey());
            String field = JsonProblems.printable(p.getKey());
            if (nameProblem != null) {
                problems.add(new ApiProblem.FieldProblem(field, "name " + nameProblem));
                continue;
            }
            if (uiForm && p.getValue().length > 1 && !REPEATABLE_FORM_FIELDS.contains(p.getKey())) {
                // Spring joins the values of a field bound to one string with commas: "first,second" was stored
                problems.add(new ApiProblem.FieldProblem(field, "is sent " + p.getValue().length
                        + " times; a form field takes one value"));
                continue;
            }
            for (String value : p.getValue()) {
                String why = value == null ? null : PgLimits.textProblem(value);
                if (why != null) {
                    problems.add(new ApiProblem.FieldProblem(field, why));
                    break;
                }
            }
        }
        return problems.isEmpty() ? null : ApiProblem.invalid(problems);
    }

    /**
     * The UI's form fields that take several values (the rule editor's channel rows), and the CSRF token, which
     * Spring Security reads itself (the first one).
     */
    private static final java.util.Set<String> REPEATABLE_FORM_FIELDS =
            java.util.Set.of("channelType", "channelUrl", "channelSettings", "_csrf");

    private void reject(HttpServletResponse response, ApiProblem problem) throws IOException {
        response.setStatus(problem.getStatus().value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        if (problem.getStatus().value() == 413) {
            // the rest of the body is not wanted: close instead of reading it to reuse the connection
            response.setHeader(HttpHeaders.CONNECTION, "close");
        }
        json.writeValue(response.getOutputStream(), problem.toProblemDetail());
    }
}
