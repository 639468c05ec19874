package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.ingest.IngestProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import tools.jackson.databind.ObjectMapper;

/**
 * Registers {@link EdgeFilter} ahead of every other filter, security included, with the one body
 * limit of the service, {@code driftwatch.ingest.max-body-size}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(IngestProperties.class)
class EdgeConfig {

    @Bean
    FilterRegistrationBean<EdgeFilter> edgeFilter(IngestProperties limits, ObjectMapper json) {
        FilterRegistrationBean<EdgeFilter> registration =
                new FilterRegistrationBean<>(new EdgeFilter(limits.maxBodySize().toBytes(), json));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.addUrlPatterns("/*");
        return registration;
    }
}
