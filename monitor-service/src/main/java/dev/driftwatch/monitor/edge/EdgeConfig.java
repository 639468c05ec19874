package dev.driftwatch.monitor.edge;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.ObjectMapper;

/**
 * Registers {@link EdgeFilter} ahead of every other filter, security included, with the one body
 * limit of the service, {@code driftwatch.ingest.max-body-size}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class EdgeConfig {

    @Bean
    FilterRegistrationBean<EdgeFilter> edgeFilter(
            @Value("${driftwatch.ingest.max-body-size:16MB}") DataSize maxBodySize, ObjectMapper json) {
        FilterRegistrationBean<EdgeFilter> registration =
                new FilterRegistrationBean<>(new EdgeFilter(maxBodySize.toBytes(), json));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.addUrlPatterns("/*");
        return registration;
    }
}
