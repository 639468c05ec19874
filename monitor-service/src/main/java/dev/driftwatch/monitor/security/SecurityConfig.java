package dev.driftwatch.monitor.security;

import dev.driftwatch.monitor.token.TokenService;
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
 *   <li>{@link #appChain} (everything else, order 10): the place for the UI's form login, CSRF and
 *       session settings. Until the UI adds its login it permits the actuator, the OpenAPI document
 *       and everything else.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
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
                .anyRequest().permitAll());
        return http.build();
    }
}
