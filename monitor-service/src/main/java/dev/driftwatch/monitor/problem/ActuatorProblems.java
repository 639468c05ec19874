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
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Gives the operations endpoints' error answers without a body the problem document every other error has.
 * A health group that does not exist ({@code GET /actuator/health/x}) was a bare 404: the endpoint sets the
 * status and flushes, so neither the error page nor the web server's error report ever sees it. Only under
 * {@code /actuator/}, whose answers are small (health, info, the metrics scrape): each is held until the
 * endpoint is done.
 */
final class ActuatorProblems extends OncePerRequestFilter {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ContentCachingResponseWrapper held = new ContentCachingResponseWrapper(response);
        chain.doFilter(request, held);
        HttpStatus status = HttpStatus.resolve(held.getStatus());
        if (status != null && status.isError() && held.getContentSize() == 0 && !response.isCommitted()) {
            held.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            held.getOutputStream().write(JSON.writeValueAsBytes(ProblemErrorController.body(status)));
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
