package dev.driftwatch.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.harness.ServiceProcess;
import dev.driftwatch.examples.data.FashionMnist;
import dev.driftwatch.plugin.report.DriftSink;
import dev.driftwatch.plugin.ship.HttpDriftSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job, short: the service in a child JVM on its embedded PostgreSQL, the demo's alert rule,
 * and the quick demo (real DJL fine-tuning on Fashion-MNIST, three methods) streaming into it. What
 * the service says about the runs is read back through its API.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DemoEndToEndTest {

    private static final String PROJECT = "demo-e2e";
    private static final String TOKEN = "dw_demo_e2e_token";

    @TempDir
    static Path work;

    private static ServiceProcess service;
    private static List<RunResult> results;
    private static String output;

    @BeforeAll
    static void runTheDemo() {
        boolean data = FashionMnist.isAvailable(FashionMnist.DEFAULT_DIRECTORY);
        if (!data && "true".equals(System.getenv("CI"))) {
            fail("the Fashion-MNIST files are missing from " + FashionMnist.DEFAULT_DIRECTORY
                    + " (Debian package " + DemoData.DEBIAN_PACKAGE + "); CI must run this test");
        }
        Assumptions.assumeTrue(data, () -> "skipped: the Fashion-MNIST files are not in "
                + FashionMnist.DEFAULT_DIRECTORY + " (apt-get install " + DemoData.DEBIAN_PACKAGE + ")");

        service = ServiceProcess.builder()
                .dataDir(work.resolve("pgdata"))
                .logFile(Path.of("target", "demo-e2e-service.log"))
                .bootstrap(PROJECT, TOKEN)
                .start();
        ApiClient api = api();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        DemoAlerts.createRule(api, out);
        results = DriftDemo.run(DemoConfig.quick(work.resolve("cache")), "e2e", runKey -> List.<DriftSink>of(
                HttpDriftSink.builder()
                        .setUrl(service.url())
                        .setProject(PROJECT)
                        .setToken(TOKEN)
                        .optSpoolDir(work.resolve("spool"))
                        .optFlushTimeout(FineTuneRun.DELIVERY_WAIT)
                        .build()), out);
        DemoAlerts.printVerdicts(api, results, out);
        DemoForgetting.print(api, results, out);
        output = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(output);
    }

    @AfterAll
    static void stopService() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void theFullFineTuningRunIsFlaggedAndTheHeadOnlyRunIsNot() {
        Map<String, Object> full = completedRun("e2e-full");
        Map<String, Object> head = completedRun("e2e-head");

        assertThat(full.get("flagged")).isEqualTo(true);
        assertThat(ApiClient.list(full, "flags")).containsExactlyInAnyOrder("parameter-heavy", "drifts-far");
        assertThat(head.get("flagged")).isEqualTo(false);
        assertThat(ApiClient.list(head, "flags")).isEmpty();
    }

    @Test
    void theRunsConfidenceIntervalsAreSeparated() {
        Map<String, Object> full = completedRun("e2e-full");
        Map<String, Object> head = completedRun("e2e-head");

        double fullLow = number(full, "latestKlCiLow");
        double headHigh = number(head, "latestKlCiHigh");
        assertThat(fullLow).as("full run's CI low vs head-only run's CI high").isGreaterThan(headHigh);
        assertThat(number(head, "latestKlCiLow")).isLessThanOrEqualTo(number(head, "latestKlMean"));
        assertThat(number(full, "latestKlCiHigh")).isGreaterThanOrEqualTo(number(full, "latestKlMean"));
    }

    @Test
    void theLowRankRunReachesASimilarTaskLossWithLessDrift() {
        Map<String, Object> full = completedRun("e2e-full");
        Map<String, Object> lora = completedRun("e2e-lora");

        assertThat(lora.get("flagged")).isEqualTo(false);
        assertThat(number(lora, "trainableFraction")).isLessThan(0.10);
        assertThat(number(lora, "latestTaskLoss")).isCloseTo(number(full, "latestTaskLoss"),
                org.assertj.core.data.Percentage.withPercentage(25));
        assertThat(number(lora, "latestKlCiHigh")).isLessThan(number(full, "latestKlCiLow"));
    }

    @Test
    void theDemosAlertRuleFiresOnTheFullRunsOffTaskDrift() {
        List<Object> alerts = api().getInProject("/alerts?state=all&run=e2e-full").array();

        assertThat(alerts).anySatisfy(a -> {
            Map<?, ?> alert = (Map<?, ?>) a;
            assertThat(alert.get("ruleName")).isEqualTo(DemoAlerts.RULE_NAME);
            assertThat(alert.get("firedAt")).isNotNull(); // it fired while the run trained
            // and ended with the run (docs/alerting.md): resolved, saying why
            assertThat(alert.get("state")).isEqualTo("resolved");
            assertThat((String) alert.get("summary")).endsWith("(run ended (completed))");
            assertThat((String) alert.get("slice")).startsWith("off-task/");
        });
        assertThat(output).contains("FLAGGED").contains("resolved").contains("run ended (completed)");
    }

    @Test
    void theForgettingFitSaysItsIntervalsAreWideFromThreeRuns() {
        // three runs: R²'s interval may well be [0, 1], which reads as a fault unless the demo says why
        assertThat(output).contains("Drift and forgetting").containsPattern("R\\^2 \\d\\.\\d{3} \\[95% CI")
                .contains("the intervals count runs, not checkpoints: from 3 runs they are wide");
    }

    @Test
    void everyRunStoredOneCheckpointPerRoundWithTheListenersNumbers() {
        for (RunResult r : results) {
            Map<String, Object> run = completedRun(r.runKey());
            // step 0 plus one checkpoint per round of 30 steps (300 steps)
            assertThat(number(run, "checkpointCount")).isEqualTo(11);
            assertThat(number(run, "latestKlMean")).isEqualTo(r.headline().mean());
            assertThat(run.get("method")).isEqualTo(r.method());
        }
    }

    private static ApiClient api() {
        return new ApiClient(service.url(), TOKEN).withProject(PROJECT);
    }

    private static Map<String, Object> completedRun(String runKey) {
        return await().atMost(60, TimeUnit.SECONDS).until(() -> api().run(runKey).orElse(Map.of()),
                run -> "completed".equals(run.get("status")));
    }

    private static double number(Map<String, Object> run, String field) {
        assertThat(run.get(field)).as(field).isInstanceOf(Number.class);
        return ((Number) run.get(field)).doubleValue();
    }
}
