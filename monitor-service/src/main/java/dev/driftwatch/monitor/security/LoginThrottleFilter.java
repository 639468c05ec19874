package dev.driftwatch.monitor.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a form login (POST /login) while its user name or client address is locked by
 * {@link LoginThrottle}, before the password is checked, and reports every outcome to it.
 */
final class LoginThrottleFilter extends OncePerRequestFilter {

    private final LoginThrottle throttle;

    LoginThrottleFilter(LoginThrottle throttle) {
        this.throttle = throttle;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !("POST".equals(request.getMethod()) && "/login".equals(request.getServletPath()));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String user = request.getParameter("username");
        Duration locked = throttle.lockedFor(user, request.getRemoteAddr());
        if (!locked.isZero()) {
            throttle.refused(user, request.getRemoteAddr(), locked); // (the lock, read once)
            response.setHeader("Retry-After", Long.toString(Math.max(1, locked.toSeconds())));
            response.sendRedirect(request.getContextPath() + "/login?locked");
            return;
        }
        chain.doFilter(request, response);
    }

    /** The login's success handler: forgives the user's failures, then goes where the user was going. */
    static AuthenticationSuccessHandler onSuccess(LoginThrottle throttle) {
        SavedRequestAwareAuthenticationSuccessHandler next = new SavedRequestAwareAuthenticationSuccessHandler();
        next.setDefaultTargetUrl("/");
        return (request, response, auth) -> {
            throttle.succeeded(auth.getName(), request.getRemoteAddr());
            next.onAuthenticationSuccess(request, response, auth);
        };
    }

    /** The login's failure handler: counts the failure, then shows the login page's error. */
    static AuthenticationFailureHandler onFailure(LoginThrottle throttle) {
        SimpleUrlAuthenticationFailureHandler next = new SimpleUrlAuthenticationFailureHandler("/login?error");
        return (request, response, e) -> {
            throttle.failed(request.getParameter("username"), request.getRemoteAddr());
            next.onAuthenticationFailure(request, response, e);
        };
    }
}
