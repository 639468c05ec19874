package dev.driftwatch.monitor.security;

import dev.driftwatch.monitor.token.TokenService;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
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
 *       {@code web.AdminAccount}), CSRF on forms and a script-src 'self' content security policy; the
 *       health and Prometheus endpoints, the OpenAPI document and static resources are public.
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
                .authorizeHttpRequests(a -> a
                        .requestMatchers(HttpMethod.GET, "/api/**").authenticated()
                        .anyRequest().hasAuthority(ProjectTokenAuthentication.AUTHORITY))
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems));
        return http.build();
    }

    @Bean
    @Order(10)
    SecurityFilterChain appChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a
                .requestMatchers("/actuator/health/**", "/actuator/prometheus", "/v3/api-docs/**",
                        "/swagger-ui/**", "/swagger-ui.html").permitAll()
                .requestMatchers("/login", "/css/**", "/js/**", "/webjars/**", "/favicon.ico", "/error").permitAll()
                .anyRequest().authenticated())
                // the web UI: form login, CSRF on (the default), and no inline scripts may run
                .formLogin(f -> f.loginPage("/login").defaultSuccessUrl("/", false).permitAll())
                .logout(l -> l.logoutSuccessUrl("/login?logout"))
                .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(
                        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
                                + " img-src 'self' data:; object-src 'none'; frame-ancestors 'none'")));
        return http.build();
    }
}
