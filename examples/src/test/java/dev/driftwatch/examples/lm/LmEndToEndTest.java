package dev.driftwatch.examples.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.driftwatch.harness.ServiceProcess;
import dev.driftwatch.examples.demo.RunResult;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.plugin.report.DriftSink;
import dev.driftwatch.plugin.ship.HttpDriftSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LM demo's quick mode against the real service (a child JVM on its embedded PostgreSQL): a
 * transformer LM pretrained on the fortunes corpus, fine-tuned on one category with LoRA, last block
 * only and full fine-tuning. What the service stored and concluded is read back through its API.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class LmEndToEndTest {

    private static final String PROJECT = "lm-e2e";
    private static final String TOKEN = "dw_lm_e2e_token";

    @TempDir
    static Path work;

    private static ServiceProcess service;
    private static List<RunResult> results;
    private static String printed = "";

    @BeforeAll
    static void runTheDemo() {
        LmConfig config = LmConfig.quick(work.resolve("cache"));
        boolean corpus = FortuneCorpus.isAvailable(config.corpusDir(), config.neededCategories());
        if (!corpus && "true".equals(System.getenv("CI"))) {
            fail("the fortunes corpus is missing from " + config.corpusDir() + " (Debian package "
                    + FortuneCorpus.DEBIAN_PACKAGE + "); CI must run this test");
        }
        Assumptions.assumeTrue(corpus, () -> "skipped: the fortunes corpus is not in " + config.corpusDir()
                + " (apt-get install " + FortuneCorpus.DEBIAN_PACKAGE + ")");

        service = ServiceProcess.builder()
                .dataDir(work.resolve("pgdata"))
                .logFile(Path.of("target", "lm-e2e-service.log"))
                .bootstrap(PROJECT, TOKEN)
                .start();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try {
            results = LmDemo.run(config, "lm", runKey -> List.<DriftSink>of(HttpDriftSink.builder()
                    .setUrl(service.url())
                    .setProject(PROJECT)
                    .setToken(TOKEN)
                    .optSpoolDir(work.resolve("spool"))
                    .optFlushTimeout(LmFineTuneRun.DELIVERY_WAIT)
                    .build()), out);
        } finally {
            // also when the demo fails: its progress lines say where
            printed = bytes.toString(StandardCharsets.UTF_8);
            System.out.println(printed);
        }
    }

    @AfterAll
    static void stopService() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void eachRunSaysWhatMeasuringCostItPartByPart() {
        for (String run : List.of("lora", "last-block", "full")) {
            assertThat(printed).as(run).containsPattern("(?m)^  " + java.util.regex.Pattern.quote(run)
                    + " +driftwatch: \\d+ checkpoints took [0-9.]+ s \\(parameter drift [0-9.]+ s, per-token detail"
                    + " [0-9.]+ s, sampled drift [0-9.]+ s\\), [0-9.]+% of the [0-9.]+ s of the run");
        }
    }

    @Test
    void everyRunHasItsFinalDriftForecastFromTwentyAndFiftyPercentOfTraining() {
        for (RunResult r : results) {
            completedRun(r.runKey()); // (the backtests are there once the run has reached its final step)
            ApiClient.Answer a = api().getInProject("/runs/" + r.runKey() + "/forgetting");
            assertThat(a.ok()).as(r.runKey() + " HTTP " + a.status()).isTrue();
            Map<?, ?> forecast = (Map<?, ?>) a.body().get("forecast");
            assertThat(forecast).as(r.runKey() + " forecast").isNotNull();
            List<?> backtest = (List<?>) forecast.get("backtest");
            assertThat(backtest.stream().map(b -> ((Number) ((Map<?, ?>) b).get("fraction")).doubleValue()).toList())
                    .as(r.runKey() + " backtests").containsExactly(0.2, 0.5);
            for (Object o : backtest) {
                Map<?, ?> b = (Map<?, ?>) o;
                assertThat(((Number) b.get("madeAtStep")).longValue()).as(r.runKey() + " " + b)
                        .isLessThanOrEqualTo(Math.round(100 * ((Number) b.get("fraction")).doubleValue()));
                assertThat(((Number) b.get("estimate")).doubleValue()).as(r.runKey() + " " + b).isPositive();
                assertThat(((Number) b.get("actual")).doubleValue()).as(r.runKey() + " " + b).isPositive();
            }
        }
    }

    @Test
    void lightRunsReachTheFullRunsTaskLossWithinTenPercent() {
        double full = number(completedRun("lm-full"), "latestTaskLoss");
        for (String light : List.of("lm-lora", "lm-last-block")) {
            assertThat(number(completedRun(light), "latestTaskLoss")).as(light + " validation loss vs full's " + full)
                    .isCloseTo(full, Percentage.withPercentage(10));
        }
        // and fine-tuning did learn the task: below the base's loss at step 0
        RunResult fullRun = results.stream().filter(r -> r.runKey().equals("lm-full")).findFirst().orElseThrow();
        assertThat(fullRun.validateLoss()).isLessThan(firstCheckpointLoss("lm-full"));
    }

    @Test
    void lightRunsDriftClearlyLessOffTask() {
        Map<String, double[]> full = offTaskSlices("lm-full");
        assertThat(full).hasSize(LmConfig.OFF_TASK.size());
        for (String light : List.of("lm-lora", "lm-last-block")) {
            Map<String, double[]> slices = offTaskSlices(light);
            assertThat(slices.keySet()).isEqualTo(full.keySet());
            slices.forEach((slice, ci) -> assertThat(ci[2]).as("%s %s CI high vs full's CI low", light, slice)
                    .isLessThan(full.get(slice)[1]));
        }
    }

    @Test
    void onlyTheFullRunIsFlagged() {
        Map<String, Object> full = completedRun("lm-full");
        assertThat(full.get("flagged")).as("full flagged; reasons %s", full.get("flagReasons")).isEqualTo(true);
        assertThat(ApiClient.list(full, "flags")).containsExactlyInAnyOrder("parameter-heavy", "drifts-far");
        for (String light : List.of("lm-lora", "lm-last-block")) {
            Map<String, Object> run = completedRun(light);
            assertThat(run.get("flagged")).as(light).isEqualTo(false);
            assertThat(number(run, "trainableFraction")).as(light).isLessThan(0.10);
        }
    }

    @Test
    void everyRunStoredSequenceMetricsPerCheckpoint() {
        LmConfig config = LmConfig.quick(work.resolve("cache"));
        for (RunResult r : results) {
            Map<String, Object> run = completedRun(r.runKey());
            // step 0 plus one checkpoint per round: every 4 steps over the first fifth, then every 20
            assertThat(config.steps()).isEqualTo(100);
            assertThat(config.roundSteps()).isEqualTo(20);
            assertThat(number(run, "checkpointCount")).isEqualTo(1 + 5 + 4);
            assertThat(number(run, "latestKlMean")).isEqualTo(r.headline().mean());
            Map<String, Object> last = checkpoint(r.runKey(), (long) number(run, "lastStep"));
            Map<?, ?> metrics = (Map<?, ?>) last.get("metrics");
            List<String> names = metrics.keySet().stream().map(String::valueOf).toList();
            assertThat(names).as("exact and sampled metrics").contains("kl_base_ft", "kl_base_ft_seq", "kl_ft_base_k1",
                    "kl_ft_base_k3", "kl_ft_base_k1_seq", "kl_ft_base_k3_seq", "kl_ft_base_sampled");
            assertThat(((Number) ((Map<?, ?>) metrics.get("kl_ft_base_k3")).get("mean")).doubleValue())
                    .isGreaterThanOrEqualTo(0);
            assertThat(((Map<?, ?>) run.get("config")).get("driftwatch.sampled.temperature")).isEqualTo("1.0");
            // the top drifting examples carry their text, per-token KL and the moved tokens
            List<?> top = (List<?>) last.get("topExamples");
            assertThat(top).isNotEmpty().allSatisfy(e -> {
                Map<?, ?> tokens = (Map<?, ?>) ((Map<?, ?>) e).get("tokens");
                assertThat(tokens).as("tokens of %s", e).isNotNull();
                assertThat((List<?>) tokens.get("tokens")).first().isEqualTo("<eos>");
                assertThat((List<?>) tokens.get("worst")).isNotEmpty();
            });
            assertThat(((Number) last.get("probeCount")).intValue()).isEqualTo(
                    config.probesPerSlice() * (1 + LmConfig.OFF_TASK.size()));
        }
    }

    /** Per off-task slice of the run's latest checkpoint: mean, CI low, CI high of KL(base||ft). */
    private static Map<String, double[]> offTaskSlices(String runKey) {
        Map<String, Object> run = completedRun(runKey);
        Map<String, Object> last = checkpoint(runKey, (long) number(run, "lastStep"));
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Object s : (List<?>) last.get("slices")) {
            Map<?, ?> slice = (Map<?, ?>) s;
            String name = (String) slice.get("slice");
            if (name.startsWith(LmTask.OFF_TASK_PREFIX)) {
                Map<?, ?> kl = (Map<?, ?>) ((Map<?, ?>) slice.get("metrics")).get("kl_base_ft");
                out.put(name, new double[] {((Number) kl.get("mean")).doubleValue(),
                        ((Number) kl.get("ciLow")).doubleValue(), ((Number) kl.get("ciHigh")).doubleValue()});
            }
        }
        return out;
    }

    private static double firstCheckpointLoss(String runKey) {
        Map<String, Object> first = checkpoint(runKey, 0);
        Object loss = ((Map<?, ?>) first.get("taskMetrics")).get("validate_loss");
        return loss == null ? Double.POSITIVE_INFINITY : ((Number) loss).doubleValue();
    }

    private static Map<String, Object> checkpoint(String runKey, long step) {
        ApiClient.Answer a = api().getInProject("/runs/" + runKey + "/checkpoints/" + step);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return a.body();
    }

    private static ApiClient api() {
        return new ApiClient(service.url(), TOKEN).withProject(PROJECT);
    }

    private static Map<String, Object> completedRun(String runKey) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> api().run(runKey).orElse(Map.of()),
                run -> "completed".equals(run.get("status")));
    }

    private static double number(Map<String, Object> run, String field) {
        assertThat(run.get(field)).as(field).isInstanceOf(Number.class);
        return ((Number) run.get(field)).doubleValue();
    }
}
