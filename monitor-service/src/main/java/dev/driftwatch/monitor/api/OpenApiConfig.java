package dev.driftwatch.monitor.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The served OpenAPI document ({@code /v3/api-docs}); a copy is kept in docs/api/openapi.json by a
 * test, so the document must not depend on the host or port it is served from.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {

    @Bean
    OpenAPI driftwatchOpenApi() {
        return new OpenAPI()
                .info(new Info().title("driftwatch API").version("v1")
                        .description("Ingestion (see docs/api/ingestion.md) and query API of driftwatch."))
                .servers(List.of(new Server().url("/")))
                .components(new Components().addSecuritySchemes("bearer",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("A project's API token, dw_...")))
                .security(List.of(new SecurityRequirement().addList("bearer")));
    }
}
