package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Forgetting in a real browser: the compare page's drift-forgetting scatter with its fit, and the run
 * page's forgetting (measured or predicted), forecast band and recommended checkpoint.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ForgettingBrowserTest extends WebTestBase {

    @BeforeAll
    void seed() throws IOException {
        Uploads up = newProject("forgetting");
        Map<String, String> planned = Map.of("plannedSteps", "400");
        up.run("full", "Full", "full", 100_000, planned);
        up.checkpoints("full", 0, 400, 20, 1.2, 0.30, true);
        up.run("head", "Head", "head", 2_000, planned);
        // every 16 steps: five checkpoints after step 0 by 20% of training, the fewest a forecast takes
        up.checkpoints("head", 0, 400, 16, 0.3, 0.32, true);
        up.run("lora", "LoRA", "lora", 5_000, planned);
        up.checkpoints("lora", 0, 400, 20, 0.6, 0.35, true);
        // the LM demo's LoRA run: its KL jumps over the first 12 steps of 100, then stays near 0.05
        up.run("jumps", "Jumps then stays", "lora", 5_000, Map.of("plannedSteps", "100"));
        up.checkpointsWithKl("jumps", new long[] {0, 4, 8, 12, 16, 20, 40, 60, 80, 100},
                new double[] {0, 0.002, 0.011, 0.038, 0.039, 0.047, 0.051, 0.043, 0.066, 0.055});
        // the same run while it trains, at step 20 of 100
        up.run("jumping", "Jumps, at step 20", "lora", 5_000, Map.of("plannedSteps", "100"));
        up.checkpointsWithKl("jumping", new long[] {0, 4, 8, 12, 16, 20},
                new double[] {0, 0.002, 0.011, 0.038, 0.039, 0.047});
        // a run whose KL follows a power law, with a little wobble
        long[] every10 = LongStream.rangeClosed(0, 40).map(k -> 10 * k).toArray();
        up.run("law", "Follows a power law", "full", 100_000, planned);
        up.checkpointsWithKl("law", every10, Arrays.stream(every10)
                .mapToDouble(t -> t == 0 ? 0 : 0.02 * Math.sqrt(t + 10) * (1 + 0.02 * Math.sin(t / 7.0))).toArray());
        up.run("nolabels", "No labels", "full", 100_000, planned);
        up.checkpoints("nolabels", 0, 200, 20, 0.9, 0.30, false);
        browser = loggedInBrowser();
    }

    @Test
    void comparePageShowsForgettingAgainstDriftWithItsFit() {
        browser.open("/projects/forgetting/compare");
        assertThat(browser.driver().findElements(By.cssSelector("#forgetting-scatter circle.fit-point"))).hasSize(68);
        assertThat(browser.driver().findElement(By.cssSelector("#forgetting-scatter polyline.fit-line"))
                .getDomAttribute("points")).isNotBlank();
        // forgetting is half the slice's KL by construction: the KL of that slice fits almost perfectly
        double r2 = Double.parseDouble(browser.driver().findElement(By.id("fit-r2")).getText());
        assertThat(r2).isGreaterThan(0.95);
        assertThat(browser.driver().findElement(By.id("fit-summary")).getText())
                .contains("forgetting on off-task slices", "Parameter drift");
        assertThat(browser.driver().findElements(By.cssSelector("#fit-candidates tbody tr")).size()).isGreaterThan(3);
        // 68 checkpoints, but of 3 runs: the page says what the intervals rest on
        assertThat(browser.driver().findElement(By.id("fit-few-runs")).getText())
                .contains("count runs, not checkpoints", "from 3 runs");
        // every label inside the drawings: the name of the run at the right edge ("Jumps, at step 20") ran past
        // it, and a y tick such as 0.02020 reached the left edge
        assertThat(browser.textsOutside("#scatter")).isEmpty();
        assertThat(browser.textsOutside("#forgetting-scatter")).isEmpty();
        browser.screenshot("forgetting-compare");
    }

    @Test
    void runPageShowsMeasuredForgettingTheForecastAndTheRecommendedCheckpoint() {
        browser.open("/projects/forgetting/runs/head");
        browser.waitUntil(d -> d.findElement(By.id("forgetting")).getDomAttribute("data-loaded") != null);
        assertThat(browser.driver().findElement(By.id("forgetting-summary")).getText())
                .startsWith("Measured forgetting on off-task slices at step 400");
        assertThat(browser.driver().findElement(By.id("recommendation-summary")).getText()).startsWith("Recommended: step");
        assertThat(browser.driver().findElements(By.cssSelector("#pareto tbody tr"))).isNotEmpty();
        assertThat(browser.driver().findElements(By.cssSelector("#pareto tbody tr.recommended"))).hasSize(1);
        // the run reached its planned step: the forecasts from 20% and 50% of training are checked
        assertThat(browser.driver().findElements(By.cssSelector("#forecast-backtest li"))).hasSize(2);
        assertThat(browser.drawnPixels("#chart-forecast")).isGreaterThan(500);
    }

    @Test
    void aForecastWhoseIntervalSpansOrdersOfMagnitudeIsShownAsTooUncertain() {
        browser.open("/projects/forgetting/runs/jumps");
        browser.waitUntil(d -> d.findElement(By.id("forgetting")).getDomAttribute("data-loaded") != null);
        List<String> backtests = browser.driver().findElements(By.cssSelector("#forecast-backtest li"))
                .stream().map(WebElement::getText).toList();
        // from 20% of training five checkpoints cannot tell a jump that stays from one that runs on: an interval
        // of four orders of magnitude; from 50% a law that levels off has it (before such laws, a law fitted to the
        // jump ran on from both: intervals of many orders of magnitude)
        assertThat(backtests).hasSize(2);
        assertThat(backtests.get(0)).startsWith("Forecast made at 20% of training (step 20): too uncertain to use (");
        assertThat(backtests.get(1)).startsWith("Forecast made at 50% of training (step 40): 0.0")
                .doesNotContain("too uncertain").endsWith("inside the interval.");
        assertThat(browser.driver().findElement(By.id("forecast-summary")).getText())
                .contains("likeliest law: levelling off");
        // while it trains: the forecast says so instead of drawing a band of orders of magnitude
        browser.open("/projects/forgetting/runs/jumping");
        browser.waitUntil(d -> d.findElement(By.id("forgetting")).getDomAttribute("data-loaded") != null);
        assertThat(browser.driver().findElement(By.id("forecast-summary")).getText())
                .startsWith("Forecast KL at the planned step 100: too uncertain to use yet (95% interval ");
        assertThat(browser.driver().findElement(By.id("chart-forecast")).getDomAttribute("data-forecast-points"))
                .isEqualTo("0");
        // a run that follows its law keeps its estimate
        browser.open("/projects/forgetting/runs/law");
        browser.waitUntil(d -> d.findElement(By.id("forgetting")).getDomAttribute("data-loaded") != null);
        assertThat(browser.driver().findElements(By.cssSelector("#forecast-backtest li"))).hasSize(2)
                .allSatisfy(li -> assertThat(li.getText()).doesNotContain("too uncertain")
                        .containsPattern("of training \\(step \\d+\\): [0-9.]+ \\("));
        assertThat(browser.driver().findElement(By.id("forecast-summary")).getText())
                .contains("likeliest law: still growing, (t + ");
    }

    @Test
    void aRunWithoutLabelsGetsPredictedForgettingAndAForecastBand() {
        browser.open("/projects/forgetting/runs/nolabels");
        browser.waitUntil(d -> d.findElement(By.id("forgetting")).getDomAttribute("data-loaded") != null);
        assertThat(browser.driver().findElement(By.id("forgetting-summary")).getText())
                .startsWith("Predicted forgetting at step 200").contains("95% prediction interval");
        assertThat(browser.driver().findElement(By.id("forecast-summary")).getText())
                .startsWith("Forecast KL at the planned step 400");
        assertThat(Integer.parseInt(browser.driver().findElement(By.id("chart-forecast"))
                .getDomAttribute("data-forecast-points"))).isGreaterThan(10);
        // the heatmap's steps, in a half-width panel: the last two were drawn over each other ("18200")
        browser.waitUntil(d -> d.findElement(By.id("heatmap")).getDomAttribute("data-rows") != null);
        assertThat(browser.driver().findElements(By.cssSelector("#heatmap .heat-axis span"))).hasSizeGreaterThan(1)
                .last().extracting(WebElement::getText).isEqualTo("200");
        assertThat(browser.overlapping("#heatmap .heat-axis span")).isEmpty();
        browser.screenshot("forgetting-run");
    }
}
