package dev.driftwatch.monitor;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The driftwatch monitor service. */
@SpringBootApplication
public class DriftwatchApplication {

    /**
     * Starts the service.
     *
     * @param args Spring Boot command-line arguments
     */
    public static void main(String[] args) {
        SpringApplication.run(DriftwatchApplication.class, args);
    }
}
