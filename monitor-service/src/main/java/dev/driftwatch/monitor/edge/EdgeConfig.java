package dev.driftwatch.monitor.edge;

import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import tools.jackson.core.StreamReadFeature;
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

    /**
     * Opens each request's {@link ParseBudget} lease, right after {@link EdgeFilter}: the heap the parsed JSON
     * bodies of all requests may take together ({@code driftwatch.api.parse-budget}, default a quarter of the
     * JVM's maximum heap).
     */
    @Bean
    FilterRegistrationBean<ParseBudget> parseBudget(@Value("${driftwatch.api.parse-budget:}") DataSize budget) {
        FilterRegistrationBean<ParseBudget> registration =
                new FilterRegistrationBean<>(new ParseBudget(budget == null ? ParseBudget.defaultBytes() : budget.toBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        registration.addUrlPatterns("/*");
        return registration;
    }

    /**
     * The JSON bodies Spring reads (rules, settings) are read as strictly as ingestion's: a number too small for
     * a double is refused ({@link TinyNumbers}), and so is a key given twice, which Jackson otherwise reads
     * as the last one ({@code {"klThreshold":0.1,"klThreshold":5}} stored 5).
     */
    @Bean
    JsonMapperBuilderCustomizer strictJsonBodies() {
        return builder -> builder.addModule(TinyNumbers.module()).enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    /**
     * The JSON the service answers has finite numbers only: a double that is not finite is written as null
     * ({@link FiniteNumbers}), not as the string "Infinity" in a number field.
     */
    @Bean
    JsonMapperBuilderCustomizer finiteNumbers() {
        return builder -> builder.addModule(FiniteNumbers.module());
    }

    /** Replaces Tomcat's HTML error report with {@link ProblemErrorReportValve}. */
    @Bean
    ProblemErrorReports problemErrorReports() {
        return new ProblemErrorReports();
    }

    /**
     * Swaps the host's error report valve. Ordered last, so that it runs after Spring Boot's own Tomcat
     * customizer (order 0), which adds the plain report valve.
     */
    static final class ProblemErrorReports implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

        @Override
        public void customize(TomcatServletWebServerFactory factory) {
            factory.addContextCustomizers(context -> {
                Pipeline host = context.getParent().getPipeline();
                for (Valve valve : host.getValves()) {
                    if (valve instanceof ErrorReportValve) {
                        host.removeValve(valve);
                    }
                }
                host.addValve(new ProblemErrorReportValve());
                // else the host, starting after this, adds its default report valve (found by class name)
                ((StandardHost) context.getParent()).setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
