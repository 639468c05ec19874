package dev.driftwatch.monitor.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A browser-like client of the web UI: a cookie session logged in through the login form. */
public final class UiSession {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final String base;

    /**
     * Logs in through the login form, CSRF token included.
     *
     * @param base the service's base URL
     * @param user the user name
     * @param password the password
     * @throws Exception when the service cannot be reached
     */
    public UiSession(String base, String user, String password) throws Exception {
        this.base = base;
        String form = http.send(HttpRequest.newBuilder(URI.create(base + "/login")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = CSRF.matcher(form);
        assertThat(m.find()).as("the login form's CSRF token").isTrue();
        String body = "username=" + enc(user) + "&password=" + enc(password) + "&_csrf=" + enc(m.group(1));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location").orElse("")).doesNotContain("error");
    }

    /**
     * Fetches a page of the UI.
     *
     * @param path e.g. {@code /projects/p/runs/r}
     * @return its HTML
     * @throws Exception when the service cannot be reached
     */
    public String page(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    /**
     * Opens a run page's event stream, as the page's EventSource does.
     *
     * @param project the project key
     * @param runKey the run key
     * @return the open stream
     * @throws Exception when the service cannot be reached
     */
    public HttpResponse<InputStream> events(String project, String runKey) throws Exception {
        URI events = URI.create(base + "/projects/" + project + "/runs/" + runKey + "/events");
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(events).header("Accept", "text/event-stream")
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return r;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
