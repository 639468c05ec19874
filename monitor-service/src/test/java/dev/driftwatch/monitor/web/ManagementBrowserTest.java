package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.project.Project;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** Login, projects, API tokens and settings in a real browser; CSRF and login checked over plain HTTP. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ManagementBrowserTest extends WebTestBase {

    @BeforeAll
    void start() throws IOException {
        newProject("manage");
        projects.save(new Project("two-lines", "First line\r\nsecond line"));
        browser = loggedInBrowser();
    }

    @Test
    void wrongPasswordIsRefused() throws IOException {
        try (Browser other = Browser.start(port)) {
            other.open("/projects");
            assertThat(other.driver().getCurrentUrl()).endsWith("/login");
            other.driver().findElement(By.id("username")).sendKeys(USER);
            other.driver().findElement(By.id("password")).sendKeys("wrong");
            other.clickToNewPage(By.id("login"));
            other.waitUntil(d -> d.getCurrentUrl().contains("error"));
            assertThat(other.driver().findElement(By.cssSelector("p.error")).getText()).contains("Wrong");
            other.screenshot("login");
        }
    }

    @Test
    void formsWithoutCsrfTokenAreRejected() throws Exception {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + USER + "&password=" + PASSWORD)).build(),
                HttpResponse.BodyHandlers.ofString());
        // refused: sent back to the login page, which says the session expired (a bare 403 before)
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/login?expired"));
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/projects/manage/tokens")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/login"));
    }

    @Test
    void createsAProjectAndATokenShownOnceThatUploadsThenRevokesIt() throws Exception {
        browser.open("/projects");
        browser.driver().findElement(By.name("key")).sendKeys("made-in-ui");
        browser.driver().findElement(By.name("name")).sendKeys("Made <b>in</b> UI");
        browser.clickToNewPage(By.cssSelector("form.inline button"));
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/projects/made-in-ui/runs"));
        assertThat(browser.driver().findElement(By.cssSelector(".project-name")).getText()).isEqualTo("Made <b>in</b> UI");

        browser.open("/projects/made-in-ui/tokens");
        browser.driver().findElement(By.id("token-name")).sendKeys("ci");
        browser.clickToNewPage(By.id("create-token"));
        String token = browser.driver().findElement(By.id("token-text")).getText();
        assertThat(token).startsWith("dw_").hasSizeGreaterThan(30);
        browser.screenshot("tokens");
        // the token works for uploads
        new Uploads(port, "made-in-ui", token).run("r1", "first", "head", 10);
        // shown once: a reload no longer has it
        browser.open("/projects/made-in-ui/tokens");
        assertThat(browser.driver().findElements(By.id("token-text"))).isEmpty();
        WebElement row = browser.driver().findElement(By.cssSelector("#tokens tbody tr"));
        assertThat(row.getText()).contains("ci", token.substring(0, 8), "active");

        browser.clickToNewPage(row.findElement(By.cssSelector("button.danger")));
        browser.waitUntil(d -> d.findElement(By.cssSelector("#tokens tbody tr")).getText().contains("revoked"));
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/api/v1/projects/made-in-ui/runs/r1"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
    }

    @Test
    void aTokenMadeInTheUiMayBeGivenTheChannelsScope() throws Exception {
        browser.open("/projects/manage/tokens");
        String plain = createToken("uploads-only", false);
        String scoped = createToken("alerting-setup", true);
        browser.open("/projects/manage/tokens");
        String table = browser.driver().findElement(By.id("tokens")).getText();
        assertThat(table).contains("alerting-setup " + scoped.substring(0, 8) + "… uploads, channels")
                .contains("uploads-only " + plain.substring(0, 8) + "… uploads ");
        // only the scoped token may create a rule that sends to a URL
        String rule = """
                {"name": "to a hook", "condition": {"type": "flag"},
                 "channels": [{"type": "webhook", "url": "http://127.0.0.1:9/hook"}]}""";
        assertThat(postRule(plain, rule).statusCode()).isEqualTo(403);
        HttpResponse<String> withScope = postRule(scoped, rule);
        // past the scope check: the loopback URL is then refused by the outbound check (400), not 403
        assertThat(withScope.statusCode()).as(withScope.body()).isEqualTo(400);
        assertThat(withScope.body()).contains("channels[0].url");
    }

    private String createToken(String name, boolean channels) {
        browser.driver().findElement(By.id("token-name")).sendKeys(name);
        if (channels) {
            browser.driver().findElement(By.id("token-channels")).click();
        }
        browser.clickToNewPage(By.id("create-token"));
        return browser.driver().findElement(By.id("token-text")).getText();
    }

    private HttpResponse<String> postRule(String token, String body) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/api/v1/projects/manage/alert-rules"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void savesThresholdsAndRejectsBadOnes() {
        browser.open("/projects/manage/settings");
        WebElement kl = browser.driver().findElement(By.id("klThreshold"));
        kl.clear();
        kl.sendKeys("0.25");
        WebElement name = browser.driver().findElement(By.name("name"));
        name.clear();
        name.sendKeys("Managed project");
        browser.clickToNewPage(By.id("save-settings"));
        browser.waitUntil(d -> !d.findElements(By.cssSelector("p.notice")).isEmpty());
        assertThat(browser.driver().findElement(By.id("klThreshold")).getDomProperty("value")).isEqualTo("0.25");
        assertThat(projects.findByKey("manage").orElseThrow().getFlagSettings().klThreshold()).isEqualTo(0.25);
        assertThat(projects.findByKey("manage").orElseThrow().getName()).isEqualTo("Managed project");
        browser.screenshot("settings");

        // the browser's own validation would stop -1, so remove it to reach the server's
        browser.js("document.getElementById('klThreshold').removeAttribute('min');");
        kl = browser.driver().findElement(By.id("klThreshold"));
        kl.clear();
        kl.sendKeys("-1");
        name = browser.driver().findElement(By.name("name"));
        name.clear();
        name.sendKeys("Renamed with a bad threshold");
        browser.clickToNewPage(By.id("save-settings"));
        browser.waitUntil(d -> !d.findElements(By.cssSelector("ul.error")).isEmpty());
        assertThat(browser.driver().findElement(By.cssSelector("ul.error")).getText()).contains("klThreshold");
        assertThat(projects.findByKey("manage").orElseThrow().getFlagSettings().klThreshold()).isEqualTo(0.25);
        // one user action, one transaction: the rename did not happen without the settings
        assertThat(projects.findByKey("manage").orElseThrow().getName()).isEqualTo("Managed project");
    }

    /**
     * A name holding a line break (the API takes one) is kept by a save that does not touch it: a one-line
     * field shows it without its line breaks, as the HTML standard has browsers do, and saving other settings
     * stored that flattened name.
     */
    @Test
    void savingSettingsKeepsANameWithALineBreakThatWasNotEdited() {
        browser.open("/projects/two-lines/settings");
        assertThat(browser.driver().findElement(By.name("name")).getDomProperty("value"))
                .isEqualTo("First linesecond line");
        WebElement kl = browser.driver().findElement(By.id("klThreshold"));
        kl.clear();
        kl.sendKeys("0.75");
        browser.clickToNewPage(By.id("save-settings"));
        browser.waitUntil(d -> !d.findElements(By.cssSelector("p.notice")).isEmpty());
        Project saved = projects.findByKey("two-lines").orElseThrow();
        assertThat(saved.getFlagSettings().klThreshold()).isEqualTo(0.75);
        assertThat(saved.getName()).isEqualTo("First line\r\nsecond line");

        // an edit is an edit: the name typed is the name stored
        WebElement name = browser.driver().findElement(By.name("name"));
        name.clear();
        name.sendKeys("One line now");
        browser.clickToNewPage(By.id("save-settings"));
        browser.waitUntil(d -> !d.findElements(By.cssSelector("p.notice")).isEmpty());
        assertThat(projects.findByKey("two-lines").orElseThrow().getName()).isEqualTo("One line now");
    }
}
