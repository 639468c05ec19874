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

/** The runs list in a real browser: real rows, flags, sparklines, filters, search, sort, escaping. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RunsPageBrowserTest extends WebTestBase {

    private static final String XSS = "<script>alert(1)</script>";

    @BeforeAll
    void seed() throws IOException {
        Uploads up = newProject("runs-page");
        up.run("full-a", "Full fine-tune A", "full", 100_000, "demo");
        up.checkpoints("full-a", 0, 600, 20, 2.0, 0.30);
        up.run("head-b", "Head only B", "head", 2_000, "demo");
        up.checkpoints("head-b", 0, 600, 20, 0.2, 0.31);
        up.finish("head-b");
        up.run("lora-c", "LoRA C", "lora", 5_000, "other");
        up.checkpoints("lora-c", 0, 300, 20, 0.6, 0.35);
        up.run("xss", XSS, "other", 50_000);
        up.checkpoints("xss", 0, 100, 20, 0.1, 0.5);
        browser = loggedInBrowser();
        browser.open("/projects/runs-page/runs");
    }

    private List<String> runKeys() {
        return browser.driver().findElements(By.cssSelector("#runs tr.run-row")).stream()
                .map(r -> r.getDomAttribute("data-run-key")).toList();
    }

    @Test
    void showsEveryRunWithItsDriftFlagsAndSparkline() {
        browser.open("/projects/runs-page/runs");
        assertThat(runKeys()).containsExactlyInAnyOrder("full-a", "head-b", "lora-c", "xss");
        WebElement full = browser.driver().findElement(By.cssSelector("tr[data-run-key='full-a']"));
        assertThat(full.getText()).contains("Full fine-tune A", "running", "full", "100.0%", "parameter-heavy",
                "drifts-far", "flagged");
        assertThat(full.findElement(By.cssSelector(".ci")).getText()).matches("\\[[0-9.]+, [0-9.]+\\]");
        String points = full.findElement(By.cssSelector("svg.spark polyline")).getDomAttribute("points");
        assertThat(points.split(" ")).hasSizeGreaterThan(10);
        WebElement head = browser.driver().findElement(By.cssSelector("tr[data-run-key='head-b']"));
        assertThat(head.getText()).contains("completed", "2.00%").doesNotContain("flagged");
        browser.screenshot("runs-list");
    }

    @Test
    void aRunNamedLikeAScriptIsShownAsText() {
        browser.open("/projects/runs-page/runs");
        WebElement name = browser.driver().findElement(By.cssSelector("tr[data-run-key='xss'] a.run-name"));
        assertThat(name.getText()).isEqualTo(XSS);
        // no alert opened and the name was not parsed into an element
        assertThat(browser.driver().findElements(By.cssSelector("tr[data-run-key='xss'] a.run-name script"))).isEmpty();
        browser.open("/projects/runs-page/runs/xss");
        assertThat(browser.driver().findElement(By.id("run-name")).getText()).isEqualTo(XSS);
        assertThat(browser.driver().getTitle()).startsWith(XSS);
    }

    @Test
    void filtersByMethodStatusFlagAndTag() {
        browser.open("/projects/runs-page/runs");
        new Select(browser.driver().findElement(By.id("method"))).selectByValue("head");
        browser.clickToNewPage(By.id("apply"));
        browser.waitUntil(d -> d.getCurrentUrl().contains("method=head"));
        assertThat(runKeys()).containsExactly("head-b");

        browser.open("/projects/runs-page/runs?status=running&flag=parameter-heavy");
        assertThat(runKeys()).containsExactlyInAnyOrder("full-a", "xss");

        browser.open("/projects/runs-page/runs?flag=flagged");
        assertThat(runKeys()).containsExactlyInAnyOrder("full-a");

        browser.open("/projects/runs-page/runs?tag=demo");
        assertThat(runKeys()).containsExactlyInAnyOrder("full-a", "head-b");
    }

    @Test
    void searchesNameAndKey() {
        browser.open("/projects/runs-page/runs");
        browser.driver().findElement(By.id("q")).sendKeys("lora");
        browser.clickToNewPage(By.id("apply"));
        browser.waitUntil(d -> d.getCurrentUrl().contains("q=lora"));
        assertThat(runKeys()).containsExactly("lora-c");
        browser.open("/projects/runs-page/runs?q=HEAD-b");
        assertThat(runKeys()).containsExactly("head-b");
    }

    @Test
    void sortsByLatestDriftBothWaysAndPaginates() {
        browser.open("/projects/runs-page/runs");
        browser.clickToNewPage(By.id("sort-latest"));
        browser.waitUntil(d -> d.getCurrentUrl().contains("sort=latestDrift"));
        assertThat(runKeys()).containsExactly("full-a", "lora-c", "head-b", "xss");
        browser.clickToNewPage(By.id("sort-latest"));
        browser.waitUntil(d -> d.getCurrentUrl().contains("dir=asc"));
        assertThat(runKeys()).containsExactly("xss", "head-b", "lora-c", "full-a");
        browser.clickToNewPage(By.id("sort-name"));
        browser.waitUntil(d -> d.getCurrentUrl().contains("sort=name"));
        assertThat(runKeys()).containsExactly("xss", "full-a", "head-b", "lora-c");
        browser.clickToNewPage(By.id("sort-name"));
        browser.waitUntil(d -> d.getCurrentUrl().contains("dir=desc"));
        assertThat(runKeys()).containsExactly("lora-c", "head-b", "full-a", "xss");
        assertThat(browser.driver().findElement(By.cssSelector(".pager")).getText()).contains("page 1 of 1");
    }
}
