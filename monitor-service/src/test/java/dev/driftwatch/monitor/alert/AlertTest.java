package dev.driftwatch.monitor.alert;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/**
 * The whole service on a random port against the {@code alerts} test database, with a fast
 * dispatcher (short poll and backoff) and a webhook secret. Every alerting test class shares it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "driftwatch.bootstrap.project=" + AlertTest.PROJECT,
        "driftwatch.bootstrap.token=" + AlertTest.TOKEN,
        "driftwatch.alerts.webhook-secret=" + AlertTest.SECRET,
        "driftwatch.alerts.dispatch-interval=100ms",
        "driftwatch.alerts.initial-backoff=200ms",
        "driftwatch.alerts.max-backoff=1s",
        "driftwatch.alerts.max-attempts=4",
        "driftwatch.alerts.gauge-refresh=200ms",
        // the webhook receiver of the tests listens on the loopback address the defaults refuse
        "driftwatch.alerts.outbound.allow=127.0.0.1/32,localhost",
        "driftwatch.metrics.scrape-token=" + AlertTest.SCRAPE_TOKEN,
        "driftwatch.security.admin-password=" + AlertTest.UI_PASSWORD})
@ContextConfiguration(initializers = AlertDatabase.Initializer.class)
@interface AlertTest {

    /** The bootstrap project of the alerting tests. */
    String PROJECT = "alerts";
    /** Its token. */
    String TOKEN = "dw_alerts_token";
    /** The Prometheus scrape token. */
    String SCRAPE_TOKEN = "dw_alerts_scrape";
    /** The web UI's admin password (user {@code admin}). */
    String UI_PASSWORD = "alerts-ui-password";
    /** The webhook HMAC secret. */
    String SECRET = "s3cret-for-tests";
}
