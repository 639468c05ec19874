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
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/** One run's page in a real browser: charts drawn from real data, metric picker, zoom, live updates. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RunPageBrowserTest extends WebTestBase {

    private Uploads up;
    @BeforeAll
    void seed() throws IOException {
        up = newProject("run-page");
        up.run("big", "Big run", "full", 100_000, "demo");
        // 5000 checkpoints: more than a chart's width, so the server downsamples
        up.checkpoints("big", 0, 49_990, 10, 1.5, 0.3);
        up.run("live", "Live run", "lora", 4_000);
        up.checkpoints("live", 0, 200, 10, 0.5, 0.4);
        up.run("ended", "Ended run", "head", 4_000);
        up.checkpoints("ended", 0, 50, 10, 0.2, 0.4);
        up.finish("ended");
        up.run("huge", "Huge run", "full", 4_000);
        up.checkpointsWithKl("huge", new long[] {0, 3_000_000_000_000_000L, 6_000_000_000_000_000L, (1L << 53) - 1},
                new double[] {0, 1e307, 1.7e308, Double.MAX_VALUE});
        browser = loggedInBrowser();
    }

    private void openRun(String key) {
        browser.open("/projects/run-page/runs/" + key);
        browser.waitUntil(d -> !"".equals(attr("run", "data-loaded")) && attr("run", "data-loaded") != null);
    }

    private String attr(String id, String name) {
        return browser.driver().findElement(By.id(id)).getDomAttribute(name);
    }

    @Test
    void drawsTheTrajectoryWithItsBandSlicesDistributionAndHeatmap() {
        openRun("big");
        WebElement main = browser.driver().findElement(By.id("chart-main"));
        int points = Integer.parseInt(main.getDomAttribute("data-points"));
        assertThat(points).isBetween(100, 4000);
        assertThat(main.getText()).contains("of 5000 checkpoints", "downsampled");
        assertThat(browser.drawnPixels("#chart-main")).isGreaterThan(2000);
        assertThat(browser.drawnPixels("#chart-slices")).isGreaterThan(1000);
        assertThat(attr("chart-slices", "data-slices")).isEqualTo("3");
        assertThat(browser.driver().findElement(By.id("chart-slices")).getText()).contains("off-task/general (off-task)");
        assertThat(browser.drawnPixels("#chart-dist")).isGreaterThan(1000);
        browser.waitUntil(d -> attr("heatmap", "data-rows") != null);
        assertThat(attr("heatmap", "data-rows")).isEqualTo("6");
        assertThat(browser.drawnPixels("#heatmap")).isGreaterThan(1000);
        // readable without hovering: each tensor's name beside its row, steps under the columns, the scale
        assertThat(browser.driver().findElements(By.cssSelector("#heatmap .heat-labels div")))
                .extracting(WebElement::getText).containsExactly("layer0_weight", "layer1_weight", "layer2_weight",
                        "layer3_weight", "layer4_weight", "layer5_weight");
        List<String> ticks = browser.driver().findElements(By.cssSelector("#heatmap .heat-axis span")).stream()
                .map(WebElement::getText).toList();
        assertThat(ticks).hasSizeBetween(3, 12).last().isEqualTo(attr("heatmap", "data-last-step"));
        assertThat(browser.overlapping("#heatmap .heat-axis span")).isEmpty();
        assertThat(browser.driver().findElement(By.cssSelector("#heatmap .heat-legend")).getText())
                .contains("relative L2 drift");
        assertThat(browser.driver().findElement(By.id("run")).getText())
                .contains("Base fingerprint", "a".repeat(64), "learningRate", "0.01");
        browser.waitUntil(d -> !d.findElements(By.cssSelector("#top-examples tbody tr")).isEmpty());
        assertThat(browser.driver().findElement(By.id("top-step")).getText()).isEqualTo("at step 49990");
        assertThat(browser.driver().findElements(By.cssSelector("#top-examples tbody tr"))).hasSize(5);
        // the probe-size planner: all probes and one row per slice, at the latest step
        browser.waitUntil(d -> !d.findElements(By.cssSelector("#probe-plan tbody tr")).isEmpty());
        assertThat(browser.driver().findElement(By.id("plan-step")).getText()).isEqualTo("kl_base_ft at step 49990");
        assertThat(browser.driver().findElement(By.cssSelector("#probe-plan tbody tr")).getText()).startsWith("all probes");
        // the loss-vs-drift front: thousands of the 5000 checkpoints are on it (loss falls while drift grows); the
        // table shows 12 of them, the recommended one among them, and says so (it listed them all)
        browser.waitUntil(d -> !d.findElement(By.id("pareto-note")).getText().isEmpty());
        assertThat(browser.driver().findElements(By.cssSelector("#pareto tbody tr"))).hasSize(12);
        assertThat(browser.driver().findElements(By.cssSelector("#pareto tbody tr.recommended"))).hasSize(1);
        assertThat(browser.driver().findElement(By.id("pareto-note")).getText())
                .matches("12 of the [0-9]{3,4} checkpoints on the front: .*");
        assertThat(((Number) browser.js("return document.body.scrollHeight;")).intValue()).isLessThan(6000);
        browser.screenshot("run-page");
    }

    @Test
    void metricPickerSwitchesToEveryMetric() {
        openRun("big");
        Select metric = new Select(browser.driver().findElement(By.id("metric")));
        assertThat(metric.getOptions()).extracting(WebElement::getText).contains("Jensen–Shannon",
                "Task: train_loss", "Task: validate_loss", "Parameter drift (relative L2)");
        for (String value : new String[] {"js", "kl_ft_base", "tv", "top1_agree", "entropy_ft",
                "global_relative_l2", "validate_loss"}) {
            String before = attr("run", "data-loaded");
            metric.selectByValue(value);
            browser.waitUntil(d -> !before.equals(attr("run", "data-loaded")));
            assertThat(browser.drawnPixels("#chart-main")).as(value).isGreaterThan(1000);
            assertThat(attr("chart-main", "data-points")).as(value).isNotEqualTo("0");
        }
        assertThat(browser.driver().findElement(By.id("chart-slices")).isDisplayed()).isFalse();
    }

    @Test
    void zoomingAsksTheServerForFullResolutionOfTheRange() {
        openRun("big");
        WebElement over = browser.driver().findElement(By.cssSelector("#chart-main .u-over"));
        int width = over.getSize().getWidth();
        String before = attr("run", "data-loaded");
        // drag over a tenth of the plot: about 500 checkpoints, fewer than the chart's points
        new Actions(browser.driver()).moveToElement(over, -width / 2 + 10, 0).clickAndHold()
                .moveByOffset(width / 10, 0).release().perform();
        browser.waitUntil(d -> !before.equals(attr("run", "data-loaded")));
        WebElement main = browser.driver().findElement(By.id("chart-main"));
        assertThat(main.getText()).doesNotContain("downsampled");
        assertThat(browser.driver().findElement(By.id("range")).getText()).startsWith("steps ");
        int zoomed = Integer.parseInt(main.getDomAttribute("data-points"));
        assertThat(zoomed).isBetween(100, 1000);
        assertThat(browser.drawnPixels("#chart-main")).isGreaterThan(1000);
        String zoomedLoad = attr("run", "data-loaded");
        browser.driver().findElement(By.id("reset-zoom")).click();
        browser.waitUntil(d -> !zoomedLoad.equals(attr("run", "data-loaded")));
        assertThat(main.getText()).contains("downsampled");
    }

    @Test
    void aNewCheckpointAppearsWithoutReload() {
        openRun("live");
        browser.waitUntil(d -> d.findElement(By.id("live")).getText().contains("live"));
        assertThat(browser.driver().findElement(By.id("checkpoint-count")).getText()).isEqualTo("21");
        browser.js("window.__sameDocument = true;");
        up.checkpoints("live", 210, 230, 10, 0.5, 0.4);
        browser.waitUntil(d -> "24".equals(d.findElement(By.id("checkpoint-count")).getText()));
        browser.waitUntil(d -> "230".equals(attr("chart-main", "data-last-step")));
        assertThat(browser.driver().findElement(By.id("last-step")).getText()).isEqualTo("230");
        assertThat(browser.js("return window.__sameDocument === true;")).isEqualTo(true);
    }

    /**
     * Drift up to the largest double at steps up to the largest the API takes (2^53 − 1) is drawn on axes with ticks: uPlot's tick
     * spacings stop at 5e15 and its padding of the range overflowed to Infinity, so neither axis had a tick.
     */
    @Test
    void valuesNearTheLargestDoubleAreDrawnOnAxesWithTicks() {
        openRun("huge");
        browser.waitUntil(d -> attr("chart-main", "data-y-ticks") != null && attr("chart-main", "data-x-ticks") != null);
        assertThat(attr("chart-main", "data-y-ticks").split(" ")).hasSizeGreaterThan(2)
                .noneMatch(t -> t.contains("Infinity") || t.contains("NaN")).contains("0", "1.000e+308");
        assertThat(attr("chart-main", "data-x-ticks").split(" ")).hasSizeGreaterThan(2).contains("0");
        assertThat(browser.drawnPixels("#chart-main")).isGreaterThan(1000);
    }

    @Test
    void anEndedRunListensForLateUploadsButIsNotCalledLive() {
        openRun("ended");
        browser.waitUntil(d -> d.findElement(By.id("live")).getText().contains("up to date"));
        assertThat(browser.driver().findElement(By.id("live")).getText()).doesNotContain("live");
    }

    @Test
    void anUnknownRunIsA404Page() {
        browser.open("/projects/run-page/runs/nope");
        assertThat(browser.driver().findElement(By.tagName("h1")).getText()).isEqualTo("404");
        // a path nothing serves (a mistyped link) is the same page, not the API's problem JSON
        browser.open("/project/run-page");
        assertThat(browser.driver().findElement(By.tagName("h1")).getText()).isEqualTo("404");
        assertThat(browser.driver().findElement(By.cssSelector("p.error")).getText())
                .isEqualTo("There is no page at /project/run-page.");
    }
}
