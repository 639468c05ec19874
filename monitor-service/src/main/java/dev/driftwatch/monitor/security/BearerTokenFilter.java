package dev.driftwatch.monitor.security;

import dev.driftwatch.monitor.token.ApiToken;
import dev.driftwatch.monitor.token.TokenService;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <token>} against the stored token hashes. A present
 * but unknown token is answered 401 at once; no header leaves the request to the other mechanisms
 * (a UI session) and finally to the 401 entry point. The result is never stored in a session.
 */
class BearerTokenFilter extends OncePerRequestFilter {

    private static final String PREFIX = "Bearer ";

    private final TokenService tokens;
    private final ProblemSecurityHandler problems;
    private final SecurityContextHolderStrategy holder = SecurityContextHolder.getContextHolderStrategy();

    BearerTokenFilter(TokenService tokens, ProblemSecurityHandler problems) {
        this.tokens = tokens;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            chain.doFilter(request, response);
            return;
        }
        Optional<ApiToken> token = header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                ? tokens.resolve(header.substring(PREFIX.length()).trim())
                : Optional.empty();
        if (token.isEmpty()) {
            problems.unauthorized(response, "unknown or revoked API token");
            return;
        }
        ApiToken t = token.get();
        SecurityContext context = holder.createEmptyContext();
        context.setAuthentication(
                new ProjectTokenAuthentication(t.getProject().getId(), t.getProject().getKey(), t.getId(),
                        t.hasScope(ApiToken.SCOPE_CHANNELS)));
        holder.setContext(context);
        chain.doFilter(request, response);
    }
}
