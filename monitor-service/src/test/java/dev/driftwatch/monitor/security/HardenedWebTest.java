package dev.driftwatch.monitor.security;

import dev.driftwatch.monitor.support.ServiceTest;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.TestPropertySource;

/** The shared service with a known admin password and a Prometheus scrape token (one context). */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ServiceTest
@TestPropertySource(properties = {
        "driftwatch.security.admin-username=admin",
        "driftwatch.security.admin-password=" + HardenedWebTest.PASSWORD,
        "driftwatch.metrics.scrape-token=" + HardenedWebTest.SCRAPE_TOKEN})
@interface HardenedWebTest {

    /** The admin's password. */
    String PASSWORD = "hardened-admin-password";
    /** The scrape token. */
    String SCRAPE_TOKEN = "scrape-token-for-tests";
}
