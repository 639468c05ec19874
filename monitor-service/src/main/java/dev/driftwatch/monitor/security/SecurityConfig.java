package dev.driftwatch.monitor.security;

import dev.driftwatch.monitor.token.TokenService;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.HeadersConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import tools.jackson.databind.ObjectMapper;

/**
 * The security filter chains.
 *
 * <ul>
 *   <li>{@link #apiChain} ({@code /api/**}, order 1): stateless bearer tokens. Writes need a token
 *       (and {@link ProjectAccess} pins it to its project); reads ({@code GET}) accept a token or a
 *       logged-in UI session. The chain reads an existing session but never creates one, and CSRF is
 *       off here because session users may only read.
 *   <li>{@link #appChain} (everything else, order 10): the web UI with form login (the account is
 *       {@code web.AdminAccount}, throttled by {@link LoginThrottle}), CSRF on forms and a script-src
 *       'self' content security policy; the health endpoints, the OpenAPI document and static
 *       resources are public.
 *   <li>{@link #metricsChain} ({@code /actuator/prometheus}, order 5): the scrape token
 *       ({@code driftwatch.metrics.scrape-token}) or a logged-in admin.
 * </ul>
 */
// Only a servlet web application has HTTP security (a migrate-only run has no web server).
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class SecurityConfig {

    /** Order of the API chain; a UI chain must use a larger number. */
    public static final int API_CHAIN_ORDER = 1;

    @Bean
    ProblemSecurityHandler problemSecurityHandler(ObjectMapper json) {
        return new ProblemSecurityHandler(json);
    }

    @Bean
    @Order(API_CHAIN_ORDER)
    SecurityFilterChain apiChain(HttpSecurity http, TokenService tokens, ProblemSecurityHandler problems)
            throws Exception {
        http.securityMatcher("/api/**")
                .csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.NEVER))
                .requestCache(c -> c.disable())
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .addFilterBefore(new BearerTokenFilter(tokens, problems), AnonymousAuthenticationFilter.class)
                .headers(SecurityConfig::policyHeaders)
                .authorizeHttpRequests(a -> a
                        .requestMatchers(HttpMethod.GET, "/api/**").authenticated()
                        .anyRequest().hasAuthority(ProjectTokenAuthentication.AUTHORITY))
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems));
        return http.build();
    }

    /**
     * {@code /actuator/prometheus} (order 5): Prometheus with the scrape token, or a logged-in admin.
     */
    @Bean
    @Order(5)
    SecurityFilterChain metricsChain(HttpSecurity http, ProblemSecurityHandler problems,
            @Value("${driftwatch.metrics.scrape-token:}") String scrapeToken) throws Exception {
        http.securityMatcher(ProblemSecurityHandler.METRICS)
                .csrf(c -> c.disable())
                .requestCache(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.NEVER))
                .addFilterBefore(new ScrapeTokenFilter(scrapeToken), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(a -> a.anyRequest().hasAnyAuthority(ScrapeTokenFilter.AUTHORITY, "ROLE_ADMIN"))
                .headers(SecurityConfig::policyHeaders)
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems));
        return http.build();
    }

    @Bean
    @Order(10)
    SecurityFilterChain appChain(HttpSecurity http, LoginThrottle throttle) throws Exception {
        http.authorizeHttpRequests(a -> a
                .requestMatchers("/actuator/health/**", "/v3/api-docs/**",
                        "/swagger-ui/**", "/swagger-ui.html").permitAll()
                .requestMatchers("/login", "/css/**", "/js/**", "/webjars/**", "/favicon.ico", "/error",
                        FORM_EXPIRED).permitAll()
                .anyRequest().authenticated())
                // the web UI: form login (throttled per user name and address), CSRF on (the default),
                // and no inline scripts may run
                // the health endpoints change nothing, so a write to them is told its method is not served (405)
                // rather than refused for a missing CSRF token (403)
                .csrf(c -> c.ignoringRequestMatchers("/actuator/health/**"))
                .addFilterBefore(new LoginThrottleFilter(throttle), UsernamePasswordAuthenticationFilter.class)
                .formLogin(f -> f.loginPage("/login").successHandler(LoginThrottleFilter.onSuccess(throttle))
                        .failureHandler(LoginThrottleFilter.onFailure(throttle)).permitAll())
                .logout(l -> l.logoutSuccessUrl("/login?logout"))
                // a form sent with a stale CSRF token: a session that expired is sent to log in again, and says so;
                // a signed-in user's (the session changed while the form was open) gets a page that says what happened
                .exceptionHandling(e -> e.accessDeniedHandler(SecurityConfig::uiDenied))
                .headers(h -> policyHeaders(h.contentSecurityPolicy(c -> c.policyDirectives(
                        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
                                + " img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"))));
        return http.build();
    }

    /** The page a signed-in user's form with a stale CSRF token is forwarded to (served by the web package). */
    public static final String FORM_EXPIRED = "/form-expired";

    /** The web UI's answer to a request refused by CSRF protection or authorization (see the chain above). */
    private static void uiDenied(jakarta.servlet.http.HttpServletRequest request,
            jakarta.servlet.http.HttpServletResponse response,
            org.springframework.security.access.AccessDeniedException denied)
            throws java.io.IOException, jakarta.servlet.ServletException {
        if (!(denied instanceof org.springframework.security.web.csrf.CsrfException)) {
            response.sendError(jakarta.servlet.http.HttpServletResponse.SC_FORBIDDEN);
            return;
        }
        org.springframework.security.core.Authentication who =
                org.springframework.security.core.context.SecurityContextHolder.getContext().getAuthentication();
        if (who == null || !who.isAuthenticated()
                || who instanceof org.springframework.security.authentication.AnonymousAuthenticationToken) {
            response.sendRedirect(request.getContextPath() + "/login?expired");
            return;
        }
        request.getRequestDispatcher(FORM_EXPIRED).forward(request, response);
    }

    /** Referrer-Policy and Permissions-Policy on every answer (pages name projects and runs in their URLs). */
    static HeadersConfigurer<HttpSecurity> policyHeaders(HeadersConfigurer<HttpSecurity> h) {
        return h.referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN))
                .addHeaderWriter(new StaticHeadersWriter("Permissions-Policy",
                        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"));
    }
}
