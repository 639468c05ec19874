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
 * Registers {@link EdgeFilter} ahead of every other filter, security included, with the service's two
 * body limits: {@code driftwatch.ingest.max-body-size} for ingestion (run, checkpoint batches, finish) and
 * {@code driftwatch.api.max-document-size} for every other request (rules, settings, forms).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class EdgeConfig {

    @Bean
    FilterRegistrationBean<EdgeFilter> edgeFilter(
            @Value("${driftwatch.ingest.max-body-size:16MB}") DataSize maxBodySize,
            @Value("${driftwatch.api.max-document-size:1MB}") DataSize maxDocumentSize, ObjectMapper json) {
        FilterRegistrationBean<EdgeFilter> registration = new FilterRegistrationBean<>(
                new EdgeFilter(maxBodySize.toBytes(), maxDocumentSize.toBytes(), json));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.addUrlPatterns("/*");
        return registration;
    }
}
