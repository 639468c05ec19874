package dev.driftwatch.monitor;

import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.server.context.WebServerPortFileWriter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With {@code driftwatch.port-file=FILE}, writes the HTTP port the server listens on into FILE once
 * it listens (Spring Boot's {@link WebServerPortFileWriter}). A launcher then starts the service with
 * {@code --server.port=0} and reads the port the server bound, instead of picking a "free" port
 * first, which another process may take before the service binds it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(PortFileConfig.PROPERTY)
class PortFileConfig {

    /** The file to write the port to; unset (the default): no file. */
    static final String PROPERTY = "driftwatch.port-file";

    @Bean
    WebServerPortFileWriter portFileWriter(@Value("${" + PROPERTY + "}") Path file) {
        return new WebServerPortFileWriter(file.toAbsolutePath().toFile());
    }
}
