package dev.driftwatch.monitor.problem;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.web.WebProperties;
import org.springframework.boot.webmvc.autoconfigure.error.BasicErrorController;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorViewResolver;
import org.springframework.boot.webmvc.error.ErrorAttributes;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;

/**
 * The error page for what fails before a controller runs — a request the security filter chain's
 * firewall rejects (an unknown method such as {@code PROPFIND}), a method the web server does not
 * serve ({@code TRACE}) — answered as {@code application/problem+json} like every other error of the
 * API, instead of Spring Boot's own JSON. Browsers asking for HTML still get the {@code error} page.
 * Nothing of the request is echoed. Only in the web application (the migrate-only run has no web
 * server, and no error attributes).
 */
@Controller
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class ProblemErrorController extends BasicErrorController {

    /** The detail of a 400 from the security filter chain's firewall, which names no field. */
    static final String REFUSED_BEFORE_API = "the request was refused before it reached the API: its method, path or"
            + " headers cannot be accepted";

    ProblemErrorController(ErrorAttributes errorAttributes, WebProperties web,
            ObjectProvider<ErrorViewResolver> resolvers) {
        super(errorAttributes, web.getError(), resolvers.orderedStream().toList());
    }

    @Override
    public ResponseEntity<Map<String, Object>> error(HttpServletRequest request) {
        HttpStatus status = getStatus(request);
        if (status == HttpStatus.NO_CONTENT) {
            return new ResponseEntity<>(status);
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body(status));
    }

    /** The problem document of an error page: the status, its reason and a fixed explanation. */
    static Map<String, Object> body(HttpStatus status) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", ApiProblem.httpType(status.value()));
        problem.put("title", status.getReasonPhrase());
        problem.put("status", status.value());
        problem.put("detail", switch (status) {
            case METHOD_NOT_ALLOWED -> "this method is not served here (the Allow header lists the ones that are)";
            case BAD_REQUEST -> REFUSED_BEFORE_API;
            case NOT_FOUND -> "nothing is served at this path";
            default -> "the request was refused before it reached the API (HTTP " + status.value() + ")";
        });
        return problem;
    }
}
