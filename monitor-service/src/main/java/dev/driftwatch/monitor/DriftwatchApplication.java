package dev.driftwatch.monitor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The driftwatch monitor service.
 *
 * <p>With {@code --driftwatch.migrate-only=true} (and normally {@code
 * --spring.main.web-application-type=none}) it applies the Flyway migrations, then exits with status
 * 0; a failed migration fails the start and exits non-zero. The Helm chart's pre-upgrade Job runs it
 * that way.
 */
@SpringBootApplication
public class DriftwatchApplication {

    /** Set to true to apply the migrations and exit instead of serving. */
    public static final String MIGRATE_ONLY = "driftwatch.migrate-only";

    private static final Logger log = LoggerFactory.getLogger(DriftwatchApplication.class);

    /**
     * Starts the service.
     *
     * @param args Spring Boot command-line arguments
     */
    public static void main(String[] args) {
        ConfigurableApplicationContext context = SpringApplication.run(DriftwatchApplication.class, args);
        if (context.getEnvironment().getProperty(MIGRATE_ONLY, Boolean.class, false)) {
            log.info("Migrations applied; exiting because {}=true", MIGRATE_ONLY);
            System.exit(SpringApplication.exit(context));
        }
    }
}
