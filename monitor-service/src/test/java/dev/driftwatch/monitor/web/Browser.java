package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by its chromedriver, both from {@code /usr/bin}; Selenium never
 * downloads anything (the driver path is explicit). Without them a test is skipped, unless
 * {@code CI=true}, where a missing browser fails the test.
 */
final class Browser implements AutoCloseable {

    static final File DRIVER = new File(System.getProperty("driftwatch.chromedriver", "/usr/bin/chromedriver"));
    static final File CHROMIUM = new File(System.getProperty("driftwatch.chromium",
            new File("/usr/lib/chromium/chromium").canExecute() ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium"));

    private final ChromeDriver driver;
    private final Path profile;
    private final String base;

    private Browser(ChromeDriver driver, Path profile, String base) {
        this.driver = driver;
        this.profile = profile;
        this.base = base;
    }

    /**
     * Starts a browser, or skips the test when Chromium is not installed (fails on CI).
     *
     * @param port the app's port
     * @return the browser
     * @throws IOException when the profile directory cannot be created
     */
    static Browser start(int port) throws IOException {
        boolean present = DRIVER.canExecute() && CHROMIUM.canExecute();
        if (!present) {
            String message = "Chromium or chromedriver not found (" + CHROMIUM + ", " + DRIVER + "): browser test skipped";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(message.replace("skipped", "required when CI=true"));
            }
            Assumptions.abort(message);
        }
        Path profile = Files.createTempDirectory("driftwatch-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER)
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new Browser(driver, profile, "http://localhost:" + port);
    }

    /** @return the driver */
    WebDriver driver() {
        return driver;
    }

    /**
     * Opens a path of the app.
     *
     * @param path e.g. {@code /projects}
     */
    void open(String path) {
        driver.get(base + path);
    }

    /**
     * Logs in through the form.
     *
     * @param user the user name
     * @param password the password
     */
    void login(String user, String password) {
        open("/login");
        driver.findElement(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        clickToNewPage(By.id("login"));
        waitUntil(d -> !d.getCurrentUrl().contains("/login"));
    }

    /**
     * Clicks what loads a new page (a form's submit button, a link) and waits until that page has
     * loaded. A click returns before the browser navigates, so reading the page right after it may
     * read the old page or none; under load that is a flaky test.
     *
     * @param target the element to click
     */
    void clickToNewPage(By target) {
        clickToNewPage(driver.findElement(target));
    }

    /**
     * Clicks an element that loads a new page and waits until that page has loaded.
     *
     * @param target the element to click
     */
    void clickToNewPage(WebElement target) {
        WebElement oldPage = driver.findElement(By.tagName("html"));
        target.click();
        waitUntil(d -> isGone(oldPage) && "complete".equals(js("return document.readyState")));
    }

    /**
     * Whether an element's page has been replaced. Besides the stale-element error, Chromium sometimes
     * answers a node of a page that is being replaced with "Node with given id does not belong to the
     * document" (a plain WebDriverException), which means the same.
     */
    private static boolean isGone(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (StaleElementReferenceException e) {
            return true;
        } catch (WebDriverException e) {
            if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
                return true;
            }
            throw e;
        }
    }

    /**
     * Waits up to 15 seconds for a condition.
     *
     * @param condition the condition
     */
    void waitUntil(java.util.function.Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, Duration.ofSeconds(15)).ignoring(StaleElementReferenceException.class)
                .until(condition::apply);
    }

    /**
     * Runs a script in the page.
     *
     * @param script the script body (use {@code return})
     * @param args its arguments
     * @return its result
     */
    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /**
     * Counts the pixels of the first canvas inside an element that are not transparent or white: a
     * drawn chart has thousands, a blank one none.
     *
     * @param cssSelector the container
     * @return the number of drawn pixels
     */
    long drawnPixels(String cssSelector) {
        Object n = js("""
                const c = document.querySelector(arguments[0] + ' canvas');
                if (!c || c.width === 0 || c.height === 0) return 0;
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4) {
                  if (d[i + 3] > 0 && !(d[i] > 250 && d[i + 1] > 250 && d[i + 2] > 250)) n++;
                }
                return n;""", cssSelector);
        return ((Number) n).longValue();
    }

    /**
     * The pairs among the elements a selector matches whose boxes overlap: labels drawn over one another.
     *
     * @param cssSelector the labels
     * @return "one | other" per overlapping pair, none when every label stands apart
     */
    List<String> overlapping(String cssSelector) {
        return overlapping(cssSelector, null);
    }

    /**
     * As {@link #overlapping(String)}, and also each of those elements against each of others (which may overlap
     * one another): labels drawn over the marks they must leave visible.
     *
     * @param cssSelector the labels
     * @param others the marks, or null
     * @return "one | other" per overlapping pair
     */
    @SuppressWarnings("unchecked")
    List<String> overlapping(String cssSelector, String others) {
        return (List<String>) js("""
                const box = e => ({ text: e.textContent || e.tagName, r: e.getBoundingClientRect() });
                const boxes = Array.from(document.querySelectorAll(arguments[0])).map(box);
                const marks = arguments[1] ? Array.from(document.querySelectorAll(arguments[1])).map(box) : [];
                const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
                const out = [];
                boxes.forEach((x, i) => {
                  boxes.slice(i + 1).concat(marks).forEach(y => {
                    if (meet(x.r, y.r)) out.push(x.text + ' | ' + y.text);
                  });
                });
                return out;""", cssSelector, others);
    }

    /**
     * The texts of an SVG drawing that reach past its edges (its view box), each with its box: a label cut off
     * where the drawing ends.
     *
     * @param svgSelector the drawing
     * @return "text [x, y, width, height]" per text outside, none when all fit
     */
    @SuppressWarnings("unchecked")
    List<String> textsOutside(String svgSelector) {
        return (List<String>) js("""
                const svg = document.querySelector(arguments[0]);
                const box = svg.viewBox.baseVal;
                const out = [];
                for (const t of svg.querySelectorAll('text')) {
                  const b = t.getBBox();
                  if (b.x < box.x || b.y < box.y || b.x + b.width > box.x + box.width
                      || b.y + b.height > box.y + box.height) {
                    out.push(t.textContent + ' [' + [b.x, b.y, b.width, b.height].map(Math.round).join(', ') + ']');
                  }
                }
                return out;""", svgSelector);
    }

    /**
     * Saves a screenshot when {@code -Ddriftwatch.screenshots=<dir>} is set (for the docs).
     *
     * @param name file name without extension
     */
    void screenshot(String name) {
        String dir = System.getProperty("driftwatch.screenshots");
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            // the whole page, not just the window (Chrome's own full-page capture)
            Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                    Map.of("format", "png", "captureBeyondViewport", true));
            Path target = Path.of(dir, name + ".png");
            Files.createDirectories(target.getParent());
            Files.write(target, Base64.getDecoder().decode((String) shot.get("data")));
            assertThat(target).isNotEmptyFile();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
