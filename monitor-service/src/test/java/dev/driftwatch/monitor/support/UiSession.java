package dev.driftwatch.monitor.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one browser-like HTTP client of the web UI in the service's tests: a cookie session, the login
 * form with its CSRF token, and optionally a client address (sent as {@code X-Forwarded-For}, as the
 * chart's ingress does). {@link #loggedIn} gives a session that has logged in; {@link #login} tries a
 * login and tells where it went (the login throttle's tests).
 */
public final class UiSession {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final String base;
    private final String address;

    /**
     * A session that has not logged in, from the test's own address.
     *
     * @param base the service's base URL
     */
    public UiSession(String base) {
        this(base, null);
    }

    /**
     * A session that has not logged in, from a given client address.
     *
     * @param base the service's base URL
     * @param address the client address ({@code X-Forwarded-For}), or null for none
     */
    public UiSession(String base, String address) {
        this.base = base;
        this.address = address;
    }

    /**
     * A session logged in through the login form; asserts that the login succeeded.
     *
     * @param base the service's base URL
     * @param user the user name
     * @param password the password
     * @return the session
     */
    public static UiSession loggedIn(String base, String user, String password) {
        UiSession session = new UiSession(base);
        assertThat(session.login(user, password)).as("where the login went").doesNotContain("error")
                .doesNotContain("locked").doesNotStartWith("status");
        return session;
    }

    /**
     * Logs in through the login form, CSRF token included.
     *
     * @param user the user name
     * @param password the password
     * @return the redirect's {@code Location} (e.g. {@code /login?error}), or {@code status N} without one
     */
    public String login(String user, String password) {
        Matcher m = CSRF.matcher(get("/login").body());
        assertThat(m.find()).as("the login form's CSRF token").isTrue();
        String form = "username=" + enc(user) + "&password=" + enc(password) + "&_csrf=" + enc(m.group(1));
        HttpResponse<String> r = send(request("/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("Location").orElse("status " + r.statusCode());
    }

    /**
     * Posts a form of a page as a browser would, with the page's CSRF token appended to the body.
     *
     * @param page the page whose form it is (its CSRF token is read from it)
     * @param path where the form posts
     * @param contentType the {@code Content-Type}, e.g. with a declared charset
     * @param body the form's fields, URL-encoded, without the token
     * @return the response, whatever its status
     */
    public HttpResponse<String> postForm(String page, String path, String contentType, String body) {
        Matcher m = CSRF.matcher(page(page));
        assertThat(m.find()).as("the CSRF token of " + page).isTrue();
        String form = body + "&_csrf=" + enc(m.group(1));
        return send(request(path).header("Content-Type", contentType).header("Accept", "text/html")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.US_ASCII)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends a GET.
     *
     * @param path e.g. {@code /login}
     * @param headers more headers, as name, value, name, value...
     * @return the response, whatever its status
     */
    public HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = request(path);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Fetches a page of the UI; asserts it answered 200.
     *
     * @param path e.g. {@code /projects/p/runs/r}
     * @return its HTML
     */
    public String page(String path) {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    /**
     * Opens a run page's event stream, as the page's EventSource does.
     *
     * @param project the project key
     * @param runKey the run key
     * @return the open stream
     */
    public HttpResponse<InputStream> events(String project, String runKey) {
        HttpResponse<InputStream> r = send(request("/projects/" + project + "/runs/" + runKey + "/events")
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return r;
    }

    /**
     * Sends a HEAD request, which must end within 10 seconds.
     *
     * @param path the path
     * @return the response
     */
    public HttpResponse<String> head(String path) {
        return send(request(path).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        return address == null ? b : b.header("X-Forwarded-For", address);
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
