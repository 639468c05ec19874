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
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;
import tools.jackson.databind.ObjectMapper;

/**
 * The first filter of every request (before security): a body declared larger than the limit is
 * answered 413 before a byte of it is read, any other body is read through {@link BoundedRequest}
 * (413 once a reader passes the limit), and a path or query parameter holding text PostgreSQL cannot
 * store ({@link PgLimits#textProblem}) is a 400 naming the parameter.
 */
final class EdgeFilter extends OncePerRequestFilter {

    private final long maxBodyBytes;
    private final ObjectMapper json;

    EdgeFilter(long maxBodyBytes, ObjectMapper json) {
        this.maxBodyBytes = maxBodyBytes;
        this.json = json;
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
        if (request.getContentLengthLong() > maxBodyBytes) {
            reject(response, BodyTooLargeException.problem(maxBodyBytes));
            return;
        }
        ApiProblem text = unstorableText(request);
        if (text != null) {
            reject(response, text);
            return;
        }
        chain.doFilter(new BoundedRequest(request, maxBodyBytes), response);
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
        for (Map.Entry<String, String[]> p : request.getParameterMap().entrySet()) {
            String nameProblem = PgLimits.textProblem(p.getKey());
            String field = JsonProblems.printable(p.getKey());
            if (nameProblem != null) {
                problems.add(new ApiProblem.FieldProblem(field, "name " + nameProblem));
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
