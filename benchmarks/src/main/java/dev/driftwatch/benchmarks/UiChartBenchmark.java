package dev.driftwatch.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The run page of a run with 100k checkpoints (10k in quick mode) in headless Chromium: the time until
 * its trajectory chart is drawn, against the time until the bare page (HTML, styles, scripts, without
 * any chart data) has loaded; and the bytes the page fetched (HTML, scripts, styles and every chart's
 * downsampled data), against the run's raw data (its CSV export, every checkpoint's values). The service
 * runs in this JVM ({@link ServiceUnderBenchmark}) and the checkpoints arrive through its ingestion API.
 */
final class UiChartBenchmark implements Benchmark {

    private static final String PASSWORD = "benchmark-password";
    private static final String RUN = "long";
    private static final File DRIVER = new File("/usr/bin/chromedriver");
    private static final File CHROMIUM = new File(new File("/usr/lib/chromium/chromium").canExecute()
            ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium");

    @Override
    public String name() {
        return "ui-chart";
    }

    @Override
    public List<Result> run(boolean quick) throws Exception {
        if (!DRIVER.canExecute() || !CHROMIUM.canExecute()) {
            throw new IllegalStateException("ui-chart needs Debian's chromium and chromium-driver");
        }
        int checkpoints = quick ? 10_000 : 100_000;
        int repeats = quick ? 2 : 5;
        Path profile = Files.createTempDirectory("driftwatch-bench-chromium");
        // a system property, read at start: the UI login of the in-process service
        System.setProperty("driftwatch.security.admin-password", PASSWORD);
        ChromeDriver browser = null;
        try (ServiceUnderBenchmark service = new ServiceUnderBenchmark()) {
            String base = service.baseUrl();
            long ingestStart = System.nanoTime();
            upload(service, checkpoints);
            System.err.printf(Locale.ROOT, "ui-chart: uploaded %d checkpoints in %.1f s%n", checkpoints,
                    (System.nanoTime() - ingestStart) / 1e9);
            long rawBytes = service.send("GET", runPath() + "/export.csv", null).text()
                    .getBytes(StandardCharsets.UTF_8).length;
            browser = chromium(profile);
            login(browser, base);
            double[] chartMs = new double[repeats];
            double[] bareMs = new double[repeats];
            double[] bytes = new double[repeats];
            String page = base + "/projects/" + ServiceUnderBenchmark.PROJECT + "/runs/" + RUN;
            for (int i = 0; i < repeats; i++) {
                browser.get(page);
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
                wait.until(d -> ((JavascriptExecutor) d).executeScript(
                        "return performance.getEntriesByName('driftwatch:chart-drawn').length") instanceof Number n
                        && n.intValue() > 0);
                wait.until(d -> d.findElement(By.id("chart-main")).getDomAttribute("data-points") != null);
                JavascriptExecutor js = browser;
                chartMs[i] = ((Number) js.executeScript(
                        "return performance.getEntriesByName('driftwatch:chart-drawn')[0].startTime")).doubleValue();
                bareMs[i] = ((Number) js.executeScript(
                        "return performance.getEntriesByType('navigation')[0].loadEventEnd")).doubleValue();
                bytes[i] = ((Number) js.executeScript("""
                        const nav = performance.getEntriesByType('navigation')[0];
                        return performance.getEntriesByType('resource')
                            .reduce((s, r) => s + r.encodedBodySize, nav.encodedBodySize);""")).doubleValue();
            }
            double chart = median(chartMs);
            double bare = median(bareMs);
            double transferred = median(bytes);
            String n = String.format(Locale.ROOT, "%,d checkpoints", checkpoints);
            return List.of(
                    new Result(name(), "run page: chart drawn (" + n + ")", chart, "ms", bare, chart / bare,
                            "<= 1000 ms", chart <= 1000),
                    new Result(name(), "run page, all it fetched, vs raw CSV", transferred, "bytes",
                            rawBytes, transferred / rawBytes, "< 1x raw", transferred < rawBytes));
        } finally {
            System.clearProperty("driftwatch.security.admin-password");
            if (browser != null) {
                browser.quit();
            }
            delete(profile);
        }
    }

    private static String runPath() {
        return "/api/v1/projects/" + ServiceUnderBenchmark.PROJECT + "/runs/" + RUN;
    }

    /** Uploads one run with lean checkpoints (the headline summary and a task loss), 1000 per batch. */
    private static void upload(ServiceUnderBenchmark service, int checkpoints) {
        service.createRun(RUN);
        StringBuilder batch = new StringBuilder();
        int inBatch = 0;
        for (int step = 0; step < checkpoints; step++) {
            double kl = 0.8 * (1 - Math.exp(-step / (checkpoints / 5.0))) + 0.05 * Math.sin(step / 50.0) + 0.06;
            batch.append(inBatch == 0 ? "" : ",").append(String.format(Locale.ROOT, """
                    {"step":%d,"probeCount":600,"metrics":{"kl_base_ft":{"count":600,"mean":%.6f,"p50":%.6f,\
                    "p90":%.6f,"p99":%.6f,"max":%.6f,"ciLow":%.6f,"ciHigh":%.6f}},\
                    "taskMetrics":{"train_loss":%.6f}}""", step, kl, kl * 0.6, kl * 1.8, kl * 2.6, kl * 3, kl * 0.95,
                    kl * 1.05, 1.0 / (1 + step / 1000.0)));
            if (++inBatch == 1000 || step == checkpoints - 1) {
                service.send("POST", runPath() + "/checkpoints",
                        ("{\"checkpoints\":[" + batch + "]}").getBytes(StandardCharsets.UTF_8));
                batch.setLength(0);
                inBatch = 0;
            }
        }
    }

    private static ChromeDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).usingAnyFreePort()
                .build(), options);
    }

    private static void login(ChromeDriver browser, String base) {
        browser.get(base + "/login");
        browser.findElement(By.id("username")).sendKeys("admin");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.id("login")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> !d.getCurrentUrl().contains("/login"));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
