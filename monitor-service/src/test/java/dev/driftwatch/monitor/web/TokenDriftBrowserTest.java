package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Per-token drift of a sequence probe in a real browser: uploaded with a top example, stored, and shown
 * on the run page as the example's text with every scored token shaded by its KL and the moved tokens
 * of the worst position on click. Bad per-token input is a 400 naming the field.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TokenDriftBrowserTest extends WebTestBase {

    private Uploads up;

    @BeforeAll
    void seed() throws IOException {
        up = newProject("lm-tokens");
        up.run("lm-full", "fortunes LM, full", "full", 99_000, "lm");
        up.checkpoints("lm-full", 0, 40, 20, 0.35, 5.4);
        up.checkpointWithTokens("lm-full", 100, tokens());
        up.run("lm-wordpiece", "WordPiece tokens", "full", 99_000, "lm");
        up.checkpointWithTokens("lm-wordpiece", 20, tokens(List.of("<eos>", "the", "comp", "##uter", "is", "re", "##boot",
                "##ed", ".")));
        up.run("lm-sentencepiece", "SentencePiece tokens", "full", 99_000, "lm");
        up.checkpointWithTokens("lm-sentencepiece", 20, tokens(List.of("<eos>", "\u2581the", "\u2581comp", "uter",
                "\u2581is", "\u2581re", "boot", "ed", ".")));
        up.run("lm-sampled", "fortunes LM, sampled drift", "full", 99_000, "lm");
        up.checkpointsWithSampled("lm-sampled", 0, 100, 20, 60);
        browser = loggedInBrowser();
    }

    /** "<eos> the computer is down . please reboot" with a 2-token prompt; the worst token is "reboot". */
    private static Map<String, Object> tokens() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("tokens", List.of("<eos>", "the", "computer", "is", "down", ".", "please", "reboot"));
        t.put("kl", Arrays.asList(null, null, null, 0.05, 0.4, 0.02, 0.1, 1.2));
        List<Object> base = List.of(choice("restart", 0.3, 0.05), choice("wait", 0.2, 0.1));
        List<Object> ft = List.of(choice("reboot", 0.01, 0.6), choice("restart", 0.3, 0.05));
        t.put("worst", List.of(Map.of("index", 7, "kl", 1.2, "base", base, "fineTuned", ft)));
        return t;
    }

    /** These tokens, a 2-token prompt, the last one the worst. */
    private static Map<String, Object> tokens(List<String> tokens) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("tokens", tokens);
        List<Double> kl = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            kl.add(i < 2 ? null : 0.1 * i);
        }
        t.put("kl", kl);
        List<Object> choices = List.of(choice("boot", 0.3, 0.05));
        t.put("worst", List.of(Map.of("index", tokens.size() - 1, "kl", kl.get(tokens.size() - 1), "base", choices,
                "fineTuned", choices)));
        return t;
    }

    private static Map<String, Object> choice(String token, Double base, double ft) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("token", token);
        c.put("base", base);
        c.put("fineTuned", ft);
        return c;
    }

    /** Where k1's and k3's intervals do not overlap, the run page says which checkpoints and whom to trust. */
    @Test
    void theRunPageSaysWhereTheSampledEstimatesDisagree() {
        browser.open("/projects/lm-tokens/runs/lm-sampled");
        Select metric = new Select(browser.driver().findElement(By.id("metric")));
        WebElement note = browser.driver().findElement(By.id("sampled-note"));
        for (String sampled : List.of("kl_ft_base_k3", "kl_ft_base_k1")) {
            metric.selectByValue(sampled);
            browser.waitUntil(d -> note.isDisplayed());
            assertThat(note.getText()).as(sampled).contains("k1 and k3 disagree at 3 checkpoints (step 60, 80, 100)",
                    "trust k1");
            assertThat(note.getDomAttribute("data-steps")).isEqualTo("60,80,100");
            // measured over all probes together: the per-slice panel says so instead of drawing empty axes
            browser.waitUntil(d -> d.findElement(By.id("chart-slices")).getText().contains("no per-slice values of "
                    + sampled));
            assertThat(browser.driver().findElements(By.cssSelector("#chart-slices .uplot"))).isEmpty();
        }
        browser.screenshot("run-page-sampled-disagree");
        metric.selectByValue("kl_base_ft");
        browser.waitUntil(d -> !note.isDisplayed());
    }

    /**
     * Word pieces read as words: WordPiece's "##" continues a word and SentencePiece's "▁" begins one (so
     * there a "." without it joins the word before); the marks are dropped from the text and kept in each
     * piece's tooltip.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"lm-wordpiece | <eos> the computer is rebooted .",
            "lm-sentencepiece | <eos> the computer is rebooted."})
    void wordPiecesReadAsWords(String run, String expected) {
        browser.open("/projects/lm-tokens/runs/" + run);
        browser.waitUntil(d -> !d.findElements(By.cssSelector("#top-examples .token-text .tok")).isEmpty());
        WebElement text = browser.driver().findElement(By.cssSelector("#top-examples .token-text"));
        assertThat(text.getText()).isEqualTo(expected);
        List<WebElement> pieces = text.findElements(By.cssSelector(".tok"));
        assertThat(pieces).hasSize(9);
        assertThat(pieces.get(3).getText()).isEqualTo("uter");
        assertThat(pieces.get(3).getDomAttribute("title")).startsWith(run.equals("lm-wordpiece") ? "token “##uter”"
                : "KL");
        assertThat(pieces.get(2).getDomAttribute("title")).startsWith(run.equals("lm-wordpiece") ? "KL"
                : "token “\u2581comp”");
    }

    @Test
    void aTopExampleShowsItsTokensShadedByDriftAndTheMovedTokensOnClick() {
        browser.open("/projects/lm-tokens/runs/lm-full");
        browser.waitUntil(d -> !d.findElements(By.cssSelector("#top-examples .token-text .tok")).isEmpty());
        List<WebElement> tokens = browser.driver().findElements(By.cssSelector("#top-examples .token-text .tok"));
        assertThat(tokens).extracting(WebElement::getText)
                .containsExactly("<eos>", "the", "computer", "is", "down", ".", "please", "reboot");
        // the prompt is not shaded, every scored token is, the worst darkest
        List<String> shades = new ArrayList<>();
        for (WebElement t : tokens) {
            shades.add(t.getCssValue("background-color"));
        }
        assertThat(shades.subList(0, 3)).allMatch(c -> c.equals("rgba(0, 0, 0, 0)"));
        assertThat(shades.subList(3, 8)).allMatch(c -> c.startsWith("rgba(214, 39, 40"));
        assertThat(alpha(shades.get(7))).isGreaterThan(alpha(shades.get(4))).isGreaterThan(alpha(shades.get(3)));
        WebElement worst = tokens.get(7);
        assertThat(worst.getDomAttribute("class")).contains("worst");
        assertThat(worst.getDomAttribute("title")).contains("KL 1.2", "base: restart 30.0%\u21925.0%",
                "fine-tuned: reboot 1.0%\u219260.0%");

        worst.click();
        WebElement moved = browser.driver().findElement(By.cssSelector("#top-examples table.moved"));
        assertThat(moved.getText()).contains("reboot", "restart", "60.0%", "30.0%");
        browser.screenshot("run-page-token-drift");
    }

    @Test
    void perTokenDriftIsServedAndBadPerTokenInputIsRefusedNamingTheField() {
        Map<String, Object> bad = new LinkedHashMap<>(tokens());
        bad.put("kl", List.of(0.1, 0.2)); // two values for eight tokens
        HttpResponse<String> answer = up.tryCheckpointWithTokens("lm-full", 200, bad);
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("topExamples[0].tokens.kl");

        Map<String, Object> negative = new LinkedHashMap<>(tokens());
        negative.put("kl", Arrays.asList(null, null, null, -0.5, 0.4, 0.02, 0.1, 1.2));
        answer = up.tryCheckpointWithTokens("lm-full", 200, negative);
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("topExamples[0].tokens.kl[3]");

        HttpResponse<String> served = up.get("lm-full/top-examples?step=100");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).contains("\"tokens\":{\"tokens\":[\"<eos>\",\"the\"", "\"worst\":[{\"index\":7",
                "\"fineTuned\":[{\"token\":\"reboot\"");
        assertThat(up.get("lm-full/top-examples?step=200").statusCode()).as("nothing written").isEqualTo(404);
    }

    private static double alpha(String rgba) {
        String[] parts = rgba.replace("rgba(", "").replace(")", "").split(",");
        return Double.parseDouble(parts[3].trim());
    }
}
