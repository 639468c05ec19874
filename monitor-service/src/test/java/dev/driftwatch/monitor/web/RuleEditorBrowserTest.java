package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.support.Api;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;

/** Editing a rule with several channels in a real browser keeps every channel (and can add one). */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RuleEditorBrowserTest extends WebTestBase {

    private static final String PROJECT = "rule-editor";

    private Api api;

    @BeforeAll
    void start() throws IOException {
        Project project = projects.findByKey(PROJECT).orElseGet(() -> projects.save(new Project(PROJECT, "rules")));
        api = new Api("http://localhost:" + port, tokens.issue(project, "test").token());
        browser = loggedInBrowser();
    }

    @Test
    void editingAMultiChannelRuleKeepsEveryChannel() {
        String rules = "/api/v1/projects/" + PROJECT + "/alert-rules";
        Api.Answer created = api.json("POST", rules, """
                {"name": "three channels", "condition": {"type": "threshold", "metric": "kl_base_ft", "op": "above",
                 "threshold": 0.5},
                 "channels": [{"type": "webhook", "url": "https://hooks.example/one"},
                              {"type": "slack", "url": "https://hooks.example/slack", "settings": {"channel": "#ml"}},
                              {"type": "log"}]}
                """);
        assertThat(created.status()).as(created.text()).isEqualTo(201);
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
        name.sendKeys("three channels, renamed");
        browser.clickToNewPage(By.id("save-rule"));
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/rules"));

        JsonNode after = api.get(rules + "/" + id).json();
        assertThat(after.get("name").stringValue()).isEqualTo("three channels, renamed");
        assertThat(after.get("channels")).as("every channel, settings included").isEqualTo(channels);

        // the empty row adds a fourth channel
        browser.open("/projects/" + PROJECT + "/rules/" + id);
        new Select(browser.driver().findElement(By.id("channel-type-3"))).selectByValue("webhook");
        WebElement url = browser.driver().findElement(By.id("channel-url-3"));
        url.sendKeys("https://hooks.example/four");
        browser.clickToNewPage(By.id("save-rule"));
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/rules"));
        JsonNode four = api.get(rules + "/" + id).json().get("channels");
        assertThat(four).hasSize(4);
        assertThat(four.get(3).get("url").stringValue()).isEqualTo("https://hooks.example/four");
        assertThat(four.get(1).get("settings").get("channel").stringValue()).isEqualTo("#ml");
    }
}
