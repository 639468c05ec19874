package dev.driftwatch.monitor.db;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded default database: with no {@code spring.datasource.url}, the service starts a real
 * PostgreSQL on a persistent data directory and connects to it with the generated password kept
 * beside that directory. Spring closes the connection pool
 * before the database (the pool depends on it), and stopping the context stops PostgreSQL.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(NoDatasourceUrlCondition.class)
@EnableConfigurationProperties(EmbeddedDatabaseProperties.class)
class EmbeddedDatabaseConfig {

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(EmbeddedDatabaseProperties properties) throws IOException {
        return EmbeddedPostgresLauncher.start(properties);
    }

    @Bean
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource dataSource(EmbeddedPostgres postgres, EmbeddedDatabaseProperties properties) throws IOException {
        return DataSourceBuilder.create()
                .type(HikariDataSource.class)
                .url(EmbeddedPostgresLauncher.jdbcUrl(postgres, "postgres"))
                .username("postgres")
                .password(EmbeddedPostgresLauncher.password(properties.dataDir().toAbsolutePath()))
                .build();
    }
}
