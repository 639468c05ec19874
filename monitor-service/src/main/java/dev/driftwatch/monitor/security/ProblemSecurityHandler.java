package dev.driftwatch.monitor.security;

import dev.driftwatch.monitor.problem.ApiProblem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.ObjectMapper;

/** Answers the API's 401 and 403 as {@code application/problem+json}, like every other API error. */
class ProblemSecurityHandler implements AuthenticationEntryPoint, AccessDeniedHandler {

    private final ObjectMapper json;

    ProblemSecurityHandler(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        if (METRICS.equals(request.getRequestURI())) {
            // (a project's API token is not the scrape token: saying that one is required misled)
            unauthorized(response, METRICS + " needs the scrape token (driftwatch.metrics.scrape-token): Authorization:"
                    + " Bearer <scrape token>, or the admin's login; a project's API token is not accepted here");
            return;
        }
        unauthorized(response, "an API token is required: Authorization: Bearer <token>");
    }

    /** The Prometheus endpoint, whose credential is the scrape token. */
    static final String METRICS = "/actuator/prometheus";

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        write(response, HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
                "this request needs an API token of the project");
    }

    /**
     * Writes a 401 problem.
     *
     * @param response the response
     * @param detail why
     * @throws IOException when writing fails
     */
    void unauthorized(HttpServletResponse response, String detail) throws IOException {
        response.setHeader("WWW-Authenticate", "Bearer");
        write(response, HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized", detail);
    }

    private void write(HttpServletResponse response, HttpStatus status, String type, String title, String detail)
            throws IOException {
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, detail);
        pd.setType(URI.create(ApiProblem.TYPE_BASE + type));
        pd.setTitle(title);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), pd);
    }
}
