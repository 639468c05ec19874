package dev.driftwatch.monitor.problem;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * Gives the operations endpoints' error answers without a body the problem document every other error has.
 * A health group that does not exist ({@code GET /actuator/health/x}) was a bare 404: the endpoint sets the
 * status and flushes, which commits the answer before the error page ({@link ProblemErrorController}) can see
 * it. Held here until the endpoint is done, such an answer is sent to the error page instead, as every other
 * error is. Only under {@code /actuator/}, whose answers are small (health, info, the metrics scrape).
 */
final class ActuatorProblems extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ContentCachingResponseWrapper held = new ContentCachingResponseWrapper(response);
        chain.doFilter(request, held);
        if (held.getStatus() >= 400 && held.getContentSize() == 0 && !response.isCommitted()) {
            response.sendError(held.getStatus());
            return;
        }
        held.copyBodyToResponse();
    }

    /** Registers the filter for the operations endpoints. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    static class Registration {

        @Bean
        FilterRegistrationBean<ActuatorProblems> actuatorProblems() {
            FilterRegistrationBean<ActuatorProblems> registration = new FilterRegistrationBean<>(new ActuatorProblems());
            registration.addUrlPatterns("/actuator/*");
            return registration;
        }
    }
}
