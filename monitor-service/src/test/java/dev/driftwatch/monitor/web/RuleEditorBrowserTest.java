package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.token.ApiToken;
import dev.driftwatch.monitor.token.TokenService;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;

/**
 * The rules editor in a real browser: editing a rule with several channels keeps every channel (and can
 * add one); the form offers the forecast rule with only its fields.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RuleEditorBrowserTest extends WebTestBase {

    private static final String PROJECT = "rule-editor";

    private static final String RULES = "/api/v1/projects/" + PROJECT + "/alert-rules";

    private ApiClient api;

    @BeforeAll
    void start() throws IOException {
        Project project = projects.findByKey(PROJECT).orElseGet(() -> projects.save(new Project(PROJECT, "rules")));
        // webhook and Slack channels need a token with the channels scope
        TokenService.IssuedToken issued = tokens.issue(project, "test");
        tokens.grant(issued.record(), ApiToken.SCOPE_CHANNELS);
        api = new ApiClient("http://localhost:" + port, issued.token());
        browser = loggedInBrowser();
    }

    @Test
    void editingAMultiChannelRuleKeepsEveryChannel() {
        ApiClient.Answer created = createRule("""
                {"name": "three channels", "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above",
                 "threshold": 0.5},
                 "channels": [{"type": "webhook", "url": "https://hooks.example/one"},
                              {"type": "slack", "url": "https://hooks.example/slack", "settings": {"channel": "#ml"}},
                              {"type": "log"}]}
                """);
        long id = created.json().get("id").longValue();
        JsonNode channels = created.json().get("channels");
        assertThat(channels).hasSize(3);

        browser.open("/projects/" + PROJECT + "/rules/" + id);
        // one row per channel plus an empty one to add a channel
        assertThat(new Select(browser.driver().findElement(By.id("channel-type-0"))).getFirstSelectedOption()
                .getDomAttribute("value")).isEqualTo("webhook");
        assertThat(new Select(browser.driver().findElement(By.id("channel-type-1"))).getFirstSelectedOption()
                .getDomAttribute("value")).isEqualTo("slack");
        assertThat(new Select(browser.driver().findElement(By.id("channel-type-2"))).getFirstSelectedOption()
                .getDomAttribute("value")).isEqualTo("log");
        assertThat(new Select(browser.driver().findElement(By.id("channel-type-3"))).getFirstSelectedOption()
                .getDomAttribute("value")).isEmpty();

        WebElement name = browser.driver().findElement(By.id("rule-name"));
        name.clear();
        // non-ASCII, as typed: the browser posts the form in UTF-8 without declaring it (FormCharsetTest)
        name.sendKeys("three channels, renamed: café");
        save();

        JsonNode after = rule(id);
        assertThat(after.get("name").stringValue()).isEqualTo("three channels, renamed: café");
        assertThat(after.get("channels")).as("every channel, settings included").isEqualTo(channels);

        // the empty row adds a fourth channel
        browser.open("/projects/" + PROJECT + "/rules/" + id);
        new Select(browser.driver().findElement(By.id("channel-type-3"))).selectByValue("webhook");
        WebElement url = browser.driver().findElement(By.id("channel-url-3"));
        url.sendKeys("https://hooks.example/four");
        save();
        JsonNode four = rule(id).get("channels");
        assertThat(four).hasSize(4);
        assertThat(four.get(3).get("url").stringValue()).isEqualTo("https://hooks.example/four");
        assertThat(four.get(1).get("settings").get("channel").stringValue()).isEqualTo("#ml");
    }

    @Test
    void editingKeepsLineBreaksTheFormCannotShowUnlessTheUserChangesTheField() {
        ApiClient.Answer created = createRule("""
                {"name": "two\\nlines", "scope": {"tag": "team\\r\\nvision"},
                 "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5,
                               "slice": "on\\ntask"}}
                """);
        long id = created.json().get("id").longValue();

        // a text field cannot hold a line break: the browser shows (and would post) them stripped
        browser.open("/projects/" + PROJECT + "/rules/" + id);
        WebElement name = browser.driver().findElement(By.id("rule-name"));
        assertThat(name.getDomProperty("value")).isEqualTo("twolines");
        WebElement threshold = browser.driver().findElement(By.id("rule-threshold"));
        threshold.clear();
        threshold.sendKeys("0.7");
        save();
        JsonNode after = rule(id);
        assertThat(after.get("condition").get("threshold").doubleValue()).isEqualTo(0.7);
        assertThat(after.get("name").stringValue()).isEqualTo("two\nlines");
        assertThat(after.get("scope").get("tag").stringValue()).isEqualTo("team\r\nvision");
        assertThat(after.get("condition").get("slice").stringValue()).isEqualTo("on\ntask");

        // a field the user changes is saved as typed
        browser.open("/projects/" + PROJECT + "/rules/" + id);
        name = browser.driver().findElement(By.id("rule-name"));
        name.clear();
        name.sendKeys("one line");
        save();
        after = rule(id);
        assertThat(after.get("name").stringValue()).isEqualTo("one line");
        assertThat(after.get("scope").get("tag").stringValue()).isEqualTo("team\r\nvision");
    }

    /**
     * A rule whose scope tag and slice have spaces around them (the API keeps them as sent; a run's tag
     * {@code " nightly "} is not {@code "nightly"}): saved unchanged in the editor, it stays the same rule. An audit
     * found them stripped by the save, so the rule watched other runs.
     */
    @Test
    void savingARuleUnchangedKeepsTheSpacesAroundItsTagAndSlice() {
        ApiClient.Answer created = createRule("""
                {"name": "spaced", "scope": {"tag": " nightly "},
                 "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above", "threshold": 0.5,
                               "slice": "  on task "}}
                """);
        long id = created.json().get("id").longValue();
        browser.open("/projects/" + PROJECT + "/rules/" + id);
        save();
        JsonNode after = rule(id);
        assertThat(after.get("scope").get("tag").stringValue()).isEqualTo(" nightly ");
        assertThat(after.get("condition").get("slice").stringValue()).isEqualTo("  on task ");
    }

    @Test
    void theFormOffersTheForecastRuleWithItsBudgetAndQuantileOnly() {
        browser.open("/projects/" + PROJECT + "/rules");
        new Select(browser.driver().findElement(By.id("rule-type"))).selectByValue("forecast");
        // the budget (threshold) and the quantile apply; metric, op and the CI choice do not
        assertThat(browser.driver().findElement(By.id("rule-metric")).isDisplayed()).isFalse();
        assertThat(browser.driver().findElement(By.id("rule-op")).isDisplayed()).isFalse();
        assertThat(browser.driver().findElement(By.id("rule-ci")).isDisplayed()).isFalse();
        WebElement threshold = browser.driver().findElement(By.id("rule-threshold"));
        WebElement quantile = browser.driver().findElement(By.id("rule-quantile"));
        assertThat(threshold.isDisplayed()).isTrue();
        assertThat(quantile.isDisplayed()).isTrue();
        assertThat(quantile.getDomProperty("value")).as("the lower 95% bound by default").isEqualTo("0.025");

        browser.driver().findElement(By.id("rule-name")).sendKeys("heading over the budget");
        threshold.clear();
        threshold.sendKeys("0.45");
        quantile.clear();
        quantile.sendKeys("0.1");
        // a forecast's lower bound moves with every checkpoint: left blank, the alert keeps firing through
        // dips of up to two checkpoints (the server's default for a forecast rule)
        WebElement keep = browser.driver().findElement(By.id("rule-keep-firing"));
        assertThat(keep.getDomProperty("value")).as("blank: the server's default").isEmpty();
        assertThat(keep.getDomAttribute("placeholder")).isEqualTo("1; forecast: 3");
        save();

        JsonNode created = null;
        for (JsonNode r : api.get(RULES).json()) {
            if (r.get("name").stringValue().equals("heading over the budget")) {
                created = r;
            }
        }
        assertThat(created).as("the rule was created").isNotNull();
        assertThat(created.get("condition")).isEqualTo(ApiClient.JSON.readTree(
                "{\"type\": \"forecast\", \"threshold\": 0.45, \"quantile\": 0.1}"));
        assertThat(created.get("keepFiringFor").intValue()).isEqualTo(3);
        assertThat(browser.driver().findElement(By.id("rules")).getText())
                .contains("forecast:").contains("0.45 (budget) at forecast quantile 0.1");

        // editing shows it as it is
        browser.open("/projects/" + PROJECT + "/rules/" + created.get("id").longValue());
        assertThat(new Select(browser.driver().findElement(By.id("rule-type"))).getFirstSelectedOption()
                .getDomAttribute("value")).isEqualTo("forecast");
        assertThat(browser.driver().findElement(By.id("rule-threshold")).getDomProperty("value")).isEqualTo("0.45");
        assertThat(browser.driver().findElement(By.id("rule-quantile")).getDomProperty("value")).isEqualTo("0.1");
        assertThat(browser.driver().findElement(By.id("rule-keep-firing")).getDomProperty("value")).isEqualTo("3");
        assertThat(browser.driver().findElement(By.id("rule-metric")).isDisplayed()).isFalse();
    }

    /** Creates a rule through the API; its 201 checked. */
    private ApiClient.Answer createRule(String json) {
        ApiClient.Answer created = api.json("POST", RULES, json);
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return created;
    }

    /** Saves the rule editor's form and waits for the rules page. */
    private void save() {
        browser.clickToNewPage(By.id("save-rule"));
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/rules"));
    }

    /** The rule as the API has it now. */
    private JsonNode rule(long id) {
        return api.get(RULES + "/" + id).json();
    }
}
