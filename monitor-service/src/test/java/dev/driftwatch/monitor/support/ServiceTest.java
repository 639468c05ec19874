package dev.driftwatch.monitor.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/**
 * The whole service on a random port against the shared embedded PostgreSQL, with the bootstrap
 * project {@value #PROJECT} and token {@value #TOKEN}. Every test class using it shares one context.
 * Tests use their own run keys (or projects), so they do not see each other's data.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "driftwatch.bootstrap.project=" + ServiceTest.PROJECT,
        "driftwatch.bootstrap.token=" + ServiceTest.TOKEN,
        // what a service with a 1 GiB heap has by default, whatever heap the tests' JVM has
        "driftwatch.api.parse-budget=" + ServiceTest.PARSE_BUDGET})
@ContextConfiguration(initializers = SharedPostgres.Initializer.class)
public @interface ServiceTest {

    /** The bootstrap project of the tests. */
    String PROJECT = "test";
    /** Its token. */
    String TOKEN = "dw_test_token";
    /** The heap the parsed bodies of all requests may take together. */
    String PARSE_BUDGET = "256MB";
}
