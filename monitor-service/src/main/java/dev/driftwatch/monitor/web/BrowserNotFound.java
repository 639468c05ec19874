package dev.driftwatch.monitor.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * A path nothing serves, asked for by a browser (a mistyped or stale link): the UI's error page, not the
 * API's {@code application/problem+json}. Runs before the exception handlers and declines (returns
 * null) for everything else, so API clients, {@code curl} ({@code Accept: *}{@code /*}) and every path
 * under {@code /api/} keep their problem answers.
 */
@Component
class BrowserNotFound implements HandlerExceptionResolver, Ordered {

    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
            Exception e) {
        if (!(e instanceof NoResourceFoundException) || request.getRequestURI().startsWith(
                request.getContextPath() + "/api/") || !asksForHtml(request.getHeader(HttpHeaders.ACCEPT))) {
            return null;
        }
        return UiErrors.page(HttpStatus.NOT_FOUND, "There is no page at " + request.getRequestURI() + ".");
    }

    /** Whether an Accept header names HTML itself (browsers do; a wildcard alone does not count). */
    static boolean asksForHtml(String accept) {
        if (accept == null) {
            return false;
        }
        try {
            List<MediaType> types = MediaType.parseMediaTypes(accept);
            return types.stream().anyMatch(t -> MediaType.TEXT_HTML.equalsTypeAndSubtype(t)
                    && t.getQualityValue() > 0);
        } catch (InvalidMediaTypeException ignored) {
            return false;
        }
    }

    @Override
    public int getOrder() {
        // after Spring Boot's DefaultErrorAttributes (which only records the error), before the handlers
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }
}
