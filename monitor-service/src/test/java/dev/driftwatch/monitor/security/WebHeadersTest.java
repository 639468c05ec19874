package dev.driftwatch.monitor.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.UiSession;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * F14: the session cookie is SameSite=Lax (and Secure when the request came over TLS through a
 * proxy), every answer carries Referrer-Policy and Permissions-Policy, the Prometheus endpoint needs
 * the scrape token (or the admin), and {@code GET /error} is a 404, never a 500.
 */
@HardenedWebTest
class WebHeadersTest {

    @LocalServerPort
    private int port;

    @Test
    void theSessionCookieIsSameSiteLaxAndSecureBehindTls() {
        HttpResponse<String> plain = from("10.200.0.1").get("/login");
        String cookie = String.join(";", plain.headers().allValues("Set-Cookie"));
        assertThat(cookie).contains("JSESSIONID").contains("SameSite=Lax").doesNotContain("Secure");
        HttpResponse<String> tls = from("10.200.0.2").get("/login", "X-Forwarded-Proto", "https");
        assertThat(String.join(";", tls.headers().allValues("Set-Cookie"))).contains("SameSite=Lax")
                .contains("Secure");
    }

    @Test
    void pagesAndTheApiSendReferrerAndPermissionsPolicies() {
        UiSession c = from("10.200.0.3");
        for (String path : List.of("/login", "/api/v1/projects", "/projects")) {
            HttpResponse<String> r = c.get(path);
            assertThat(r.headers().firstValue("Referrer-Policy")).as(path).hasValue("same-origin");
            assertThat(r.headers().firstValue("Permissions-Policy")).as(path).hasValueSatisfying(
                    v -> assertThat(v).contains("camera=()"));
        }
    }

    @Test
    void prometheusNeedsTheScrapeToken() {
        UiSession c = from("10.200.0.4");
        HttpResponse<String> anonymous = c.get("/actuator/prometheus");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(anonymous.body()).doesNotContain("driftwatch_");
        assertThat(c.get("/actuator/prometheus", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        HttpResponse<String> scraped = c.get("/actuator/prometheus", "Authorization",
                "Bearer " + HardenedWebTest.SCRAPE_TOKEN);
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.body()).contains("jvm_");
    }

    @Test
    void theErrorPageAskedForDirectlyIsA404() {
        HttpResponse<String> r = from("10.200.0.5").get("/error");
        assertThat(r.statusCode()).isEqualTo(404);
    }

    @Test
    void anUnknownPathIsTheErrorPageForABrowserAndAProblemForEveryoneElse() {
        UiSession c = new UiSession("http://localhost:" + port, "10.200.0.6");
        c.login("admin", HardenedWebTest.PASSWORD);
        String browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        HttpResponse<String> page = c.get("/projectz/x", "Accept", browser);
        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<h1>404</h1>").contains("There is no page at /projectz/x.");
        for (String accept : new String[] {null, "*/*", "application/json", "text/html;q=0", "not a media type"}) {
            HttpResponse<String> r = accept == null ? c.get("/projectz/x") : c.get("/projectz/x", "Accept", accept);
            assertThat(r.statusCode()).as(accept).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).as(accept).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
        }
        // the API stays an API, whatever the client asks for
        HttpResponse<String> api = c.get("/api/v1/nothing-here", "Accept", browser);
        assertThat(api.statusCode()).isEqualTo(404);
        assertThat(api.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
    }

    /** A UI session from a client address (X-Forwarded-For). */
    private UiSession from(String address) {
        return new UiSession("http://localhost:" + port, address);
    }
}
