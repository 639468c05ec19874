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

/** The compare page in a real browser: overlay of selected runs and the loss-against-drift scatter. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CompareBrowserTest extends WebTestBase {

    @BeforeAll
    void seed() throws IOException {
        Uploads up = newProject("compare");
        up.run("full", "Full", "full", 100_000);
        up.checkpoints("full", 0, 400, 20, 2.0, 0.30);
        up.run("head", "Head", "head", 2_000);
        up.checkpoints("head", 0, 400, 20, 0.3, 0.30);
        up.run("lora", "LoRA", "lora", 5_000);
        up.checkpoints("lora", 0, 400, 20, 0.8, 0.45);
        // a crowd: fifteen runs of nearly the same loss and drift
        Uploads crowd = newProject("crowded");
        for (int i = 0; i < 15; i++) {
            crowd.run("crowd-" + i, "Crowded run " + i, "lora", 5_000);
            crowd.checkpoints("crowd-" + i, 0, 100, 20, 0.5 + 0.01 * i, 0.40 + 0.002 * i);
        }
        browser = loggedInBrowser();
    }

    @Test
    void overlaysTheRunsSelectedInTheList() {
        browser.open("/projects/compare/runs");
        for (String key : List.of("full", "head", "lora")) {
            browser.driver().findElement(By.cssSelector("tr[data-run-key='" + key + "'] input[type=checkbox]")).click();
        }
        browser.clickToNewPage(By.id("compare-selected"));
        browser.waitUntil(d -> d.getCurrentUrl().contains("/compare"));
        browser.waitUntil(d -> "3".equals(d.findElement(By.id("chart-compare")).getDomAttribute("data-series")));
        assertThat(browser.drawnPixels("#chart-compare")).isGreaterThan(2000);
        assertThat(browser.driver().findElement(By.id("chart-compare")).getText()).contains("full", "head", "lora");
        browser.screenshot("compare");
    }

    @Test
    void scatterShowsWhoReachedTheLossWithLeastDrift() {
        browser.open("/projects/compare/compare?runs=full&runs=head&metric=js");
        List<WebElement> points = browser.driver().findElements(By.cssSelector("#scatter g.point"));
        assertThat(points).extracting(p -> p.getDomAttribute("data-run-key"))
                .containsExactlyInAnyOrder("full", "head", "lora");
        List<String> frontier = browser.driver().findElements(By.cssSelector("#scatter g.on-frontier")).stream()
                .map(p -> p.getDomAttribute("data-run-key")).toList();
        // head reaches full's loss with a seventh of its drift; lora drifts less than full but its loss is worse
        assertThat(frontier).contains("head").doesNotContain("full");
        browser.waitUntil(d -> "2".equals(d.findElement(By.id("chart-compare")).getDomAttribute("data-series")));
        assertThat(browser.drawnPixels("#chart-compare")).isGreaterThan(1000);
    }

    /**
     * Runs close together on the scatter: every run is a point with its tooltip, and the names drawn cover neither
     * one another nor a point (they were all drawn, over each other and under the next points) and stay inside
     * the drawing.
     */
    @Test
    void namesOfRunsCloseTogetherAreNotWrittenOverOneAnother() {
        browser.open("/projects/crowded/compare");
        assertThat(browser.driver().findElements(By.cssSelector("#scatter g.point title"))).hasSize(15);
        List<WebElement> names = browser.driver().findElements(By.cssSelector("#scatter .point-label"));
        assertThat(names).hasSizeBetween(2, 14);
        assertThat(browser.overlapping("#scatter .point-label", "#scatter circle")).isEmpty();
        assertThat(browser.textsOutside("#scatter")).isEmpty();
        // the front's runs are named first
        String frontier = browser.driver().findElement(By.cssSelector("#scatter g.on-frontier"))
                .getDomAttribute("data-run-key");
        assertThat(browser.driver().findElements(By.cssSelector("#scatter .point-label[data-run-key='" + frontier
                + "']"))).hasSize(1);
        browser.screenshot("compare-crowded");
    }

    /**
     * A project of more runs than the page lists (201): it says how many it lists of how many, for the runs to
     * pick and for the scatter, where it said nothing.
     */
    @Test
    void aProjectOfMoreRunsThanThePageListsSaysSo() throws IOException {
        Uploads many = newProject("many-runs");
        for (int i = 0; i < 201; i++) {
            many.run("run-" + i, "Run " + i, "lora", 5_000);
            many.checkpoints("run-" + i, 0, 20, 10, 0.2 + 0.001 * i, 0.40);
        }
        browser.open("/projects/many-runs/compare");
        assertThat(browser.driver().findElements(By.cssSelector("label.pick"))).hasSize(200);
        assertThat(browser.driver().findElement(By.id("runs-more")).getText())
                .isEqualTo("The 200 newest of the project's 201 runs are listed; select older ones on the runs page.");
        assertThat(browser.driver().findElements(By.cssSelector("#scatter g.point"))).hasSize(200);
        assertThat(browser.driver().findElement(By.id("scatter-more")).getText()).contains("of 201");
        browser.open("/projects/compare/compare");
        assertThat(browser.driver().findElements(By.id("runs-more"))).isEmpty();
        assertThat(browser.driver().findElements(By.id("scatter-more"))).isEmpty();
    }
}
