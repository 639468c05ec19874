package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** The rules editor and the alerts page in a real browser: a rule made in the editor fires on new data. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AlertsBrowserTest extends WebTestBase {

    private Uploads up;
    @Autowired
    JdbcTemplate jdbc;

    @BeforeAll
    void start() throws IOException {
        up = newProject("alerts");
        up.run("calm", "Calm run", "head", 1_000);
        up.run("wild", "Wild run", "full", 100_000);
        browser = loggedInBrowser();
    }

    private void fillRule(String name, String threshold, String forCount) {
        WebElement n = browser.driver().findElement(By.id("rule-name"));
        n.clear();
        n.sendKeys(name);
        new Select(browser.driver().findElement(By.id("rule-type"))).selectByValue("threshold");
        new Select(browser.driver().findElement(By.id("rule-metric"))).selectByValue("kl_base_ft");
        new Select(browser.driver().findElement(By.id("rule-op"))).selectByValue("above");
        WebElement t = browser.driver().findElement(By.id("rule-threshold"));
        t.clear();
        t.sendKeys(threshold);
        new Select(browser.driver().findElement(By.id("rule-ci"))).selectByValue("true");
        WebElement f = browser.driver().findElement(By.id("rule-for"));
        f.clear();
        f.sendKeys(forCount);
    }

    /** The rules table's row of a rule, or null. */
    private WebElement ruleRow(String name) {
        return browser.driver().findElements(By.cssSelector("#rules tr.rule-row")).stream()
                .filter(r -> r.findElement(By.tagName("a")).getText().equals(name)).findFirst().orElse(null);
    }

    @Test
    void aRuleCreatedInTheEditorFiresOnNewData() {
        browser.open("/projects/alerts/rules");
        fillRule("KL above 0.5 <i>CI</i>", "0.5", "2");
        browser.clickToNewPage(By.id("save-rule"));
        browser.waitUntil(d -> !d.findElements(By.cssSelector("#rules tr.rule-row")).isEmpty());
        WebElement rule = browser.driver().findElement(By.cssSelector("#rules tr.rule-row"));
        assertThat(rule.getText()).contains("KL above 0.5 <i>CI</i>", "threshold: kl_base_ft mean", "above 0.5",
                "(CI bound)");
        browser.screenshot("rules");

        // the wild run drifts to KL ~2 (CI lower bound above 0.5 from about step 70), the calm one to 0.2
        up.checkpoints("wild", 0, 400, 20, 2.0, 0.3);
        up.checkpoints("calm", 0, 400, 20, 0.2, 0.3);

        browser.open("/projects/alerts/alerts");
        List<WebElement> rows = browser.driver().findElements(By.cssSelector("#alerts tr.alert-row"));
        assertThat(rows).extracting(r -> r.getDomAttribute("data-run")).containsExactly("wild");
        WebElement alert = rows.get(0);
        assertThat(alert.getDomAttribute("data-state")).isEqualTo("firing");
        assertThat(alert.getDomAttribute("data-rule")).isEqualTo("KL above 0.5 <i>CI</i>");
        browser.screenshot("alerts");

        // the run calms down (a new, calm phase): the alert resolves and stays in the history
        up.checkpoints("wild", 420, 460, 20, 0.01, 0.3);
        browser.open("/projects/alerts/alerts?open=true");
        assertThat(browser.driver().findElements(By.cssSelector("#alerts tr.alert-row"))).isEmpty();
        browser.open("/projects/alerts/alerts");
        assertThat(browser.driver().findElements(By.cssSelector("#alerts tr.alert-row")))
                .extracting(r -> r.getDomAttribute("data-state")).containsExactly("resolved");
    }

    @Test
    void showsTheValidatorsProblemsAndEditsAndDeletesRules() {
        browser.open("/projects/alerts/rules");
        fillRule("broken", "not-a-number", "1");
        browser.clickToNewPage(By.id("save-rule"));
        assertThat(browser.driver().findElement(By.id("rule-errors")).getText())
                .contains("condition.threshold must be a number");
        // the form keeps what the user typed
        assertThat(browser.driver().findElement(By.id("rule-name")).getDomProperty("value")).isEqualTo("broken");

        fillRule("to edit", "0.7", "0");
        browser.clickToNewPage(By.id("save-rule"));
        assertThat(browser.driver().findElement(By.id("rule-errors")).getText()).contains("for");

        fillRule("to edit", "0.7", "1");
        browser.clickToNewPage(By.id("save-rule"));
        browser.waitUntil(d -> ruleRow("to edit") != null);
        browser.clickToNewPage(ruleRow("to edit").findElement(By.linkText("to edit")));
        browser.waitUntil(d -> d.getCurrentUrl().matches(".*/rules/\\d+$"));
        assertThat(browser.driver().findElement(By.id("save-rule")).getText()).isEqualTo("Save rule");
        fillRule("edited", "0.9", "3");
        browser.clickToNewPage(By.id("save-rule"));
        browser.waitUntil(d -> ruleRow("edited") != null);
        assertThat(ruleRow("edited").getText()).contains("above 0.9");
        assertThat(ruleRow("to edit")).isNull();
        browser.clickToNewPage(ruleRow("edited").findElement(By.cssSelector("button.danger")));
        browser.waitUntil(d -> ruleRow("edited") == null);
    }

    /**
     * More alert episodes than a page lists (502, written straight into the tables): the newest 500, and a link to
     * the older ones, where the page stopped at 500 without a word; filtered by run, a run's own.
     */
    @Test
    void aProjectWithMoreAlertsThanAPageListsPagesThem() throws IOException {
        Uploads many = newProject("many-alerts");
        many.run("noisy", "Noisy run", "full", 1_000);
        many.run("quiet", "Quiet run", "head", 1_000);
        long project = projects.findByKey("many-alerts").orElseThrow().getId();
        Long rule = jdbc.queryForObject("INSERT INTO alert_rule (project_id, name, severity, for_count, condition)"
                + " VALUES (?, 'noisy rule', 'info', 1, '{\"type\": \"threshold\"}'::jsonb) RETURNING id", Long.class,
                project);
        jdbc.update("INSERT INTO alert (rule_id, run_id, slice_key, state, consecutive, started_step, last_step, summary)"
                + " SELECT ?, r.id, 'slice-' || g, 'resolved', 1, g, g, 'seeded episode ' || g"
                + " FROM run r, generate_series(1, 501) g WHERE r.project_id = ? AND r.run_key = 'noisy'", rule, project);
        jdbc.update("INSERT INTO alert (rule_id, run_id, slice_key, state, consecutive, started_step, last_step, summary)"
                + " SELECT ?, r.id, '', 'resolved', 1, 1, 1, 'the quiet run''s one'"
                + " FROM run r WHERE r.project_id = ? AND r.run_key = 'quiet'", rule, project);
        browser.open("/projects/many-alerts/alerts");
        assertThat(browser.driver().findElements(By.cssSelector("#alerts tr.alert-row"))).hasSize(500);
        assertThat(browser.driver().findElement(By.id("alerts-pages")).getText()).contains("500 episodes a page");
        assertThat(browser.driver().findElements(By.id("alerts-newest"))).isEmpty();
        // the next page: the two oldest, the noisy run's first two (the quiet run's one, written last, is newest)
        browser.clickToNewPage(By.id("alerts-older"));
        List<WebElement> older = browser.driver().findElements(By.cssSelector("#alerts tr.alert-row"));
        assertThat(older).hasSize(2);
        assertThat(older.get(0).getText()).contains("seeded episode 2");
        assertThat(older.get(1).getText()).contains("seeded episode 1");
        assertThat(browser.driver().findElements(By.id("alerts-older"))).isEmpty();
        browser.clickToNewPage(By.id("alerts-newest"));
        assertThat(browser.driver().findElements(By.cssSelector("#alerts tr.alert-row"))).hasSize(500);
        browser.open("/projects/many-alerts/alerts?run=quiet");
        assertThat(browser.driver().findElements(By.cssSelector("#alerts tr.alert-row"))).hasSize(1);
        assertThat(browser.driver().findElements(By.id("alerts-pages"))).isEmpty();
    }
}
