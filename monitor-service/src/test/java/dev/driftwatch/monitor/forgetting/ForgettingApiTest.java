package dev.driftwatch.monitor.forgetting;

import dev.driftwatch.contract.RunInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The forgetting API on three labelled runs and one unlabelled run of one comparable group: the fit
 * and R² equal an independent computation, the unlabelled run gets a prediction from it, forecasts and
 * recommended checkpoints come with every run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForgettingApiTest extends ServiceTestBase {

    /** 25 checkpoints: 5 of them by 20% of the planned steps, the fewest a forecast needs. */
    private static final int CHECKPOINTS = 25;
    private static final long EVERY = 20;
    private static final long PLANNED = CHECKPOINTS * EVERY;
    private static final String[] LABELLED = {"full", "head", "adapter"};

    private OwnProject project;
    /** Per labelled checkpoint: off-task KL, all-probes KL, all-probes JS, parameter drift, off-task forgetting. */
    private final List<double[]> points = new ArrayList<>();
    /** Per run: step, validate loss, KL mean, KL CI high. */
    private final List<List<double[]>> perRun = new ArrayList<>();
    private double unlabelledOffTaskKl;

    @BeforeAll
    void upload() {
        project = newProject("forget");
        Random r = new Random(8);
        for (int run = 0; run < 4; run++) {
            boolean labelled = run < LABELLED.length;
            String key = labelled ? LABELLED[run] : "unlabelled";
            ObjectNode body = Payloads.run(labelled ? LABELLED[run] : "lora", 1000, 100);
            ((ObjectNode) body.get("config")).put(RunInfo.PLANNED_STEPS, Long.toString(PLANNED));
            ApiClient.Answer created = project.api().putRun(project.key(), key, body);
            assertThat(created.status()).as(created.text()).isEqualTo(201);
            double scale = 0.05 * (run + 1);
            List<double[]> rows = new ArrayList<>();
            ObjectNode[] batch = new ObjectNode[CHECKPOINTS];
            for (int i = 0; i < CHECKPOINTS; i++) {
                long step = (i + 1) * EVERY;
                double kl = scale * Math.pow(step / (double) EVERY, 0.5) * Math.exp(0.05 * r.nextGaussian());
                double offKl = kl * (0.5 + 0.1 * r.nextDouble());
                double onKl = 2 * kl - offKl;
                double js = 0.02 + 0.05 * r.nextDouble();      // unrelated to forgetting
                double l2 = 0.01 * (run + 1) * (i + 1);
                double forgetting = 0.02 + 0.9 * offKl + 0.01 * r.nextGaussian();
                double loss = 1.0 / (1 + i) + 0.05 * run + 0.02 * r.nextDouble();
                batch[i] = checkpoint(step, kl, onKl, offKl, js, l2, labelled ? forgetting : null, loss);
                rows.add(new double[] {step, loss, kl, kl * 1.1});
                if (labelled) {
                    points.add(new double[] {offKl, kl, js, l2, forgetting, run});
                } else {
                    unlabelledOffTaskKl = offKl;
                }
            }
            perRun.add(rows);
            ApiClient.Answer a = project.api().postCheckpoints(project.key(), key, Payloads.batch(batch));
            assertThat(a.status()).as(a.text()).isEqualTo(200);
        }
    }

    private static ObjectNode checkpoint(long step, double kl, double onKl, double offKl, double js, double l2,
            Double forgetting, double loss) {
        ObjectNode c = ApiClient.JSON.createObjectNode();
        c.put("step", step);
        c.put("probeCount", 600);
        ObjectNode metrics = c.putObject("metrics");
        metrics.set("kl_base_ft", Payloads.summary(600, kl));
        metrics.set("js", Payloads.summary(600, js));
        if (forgetting != null) {
            metrics.set("forgetting", Payloads.summary(600, forgetting));
        }
        ArrayNode slices = c.putArray("slices");
        for (String name : List.of("on-task", "off-task/general")) {
            ObjectNode s = slices.addObject();
            s.put("slice", name);
            s.put("count", 300);
            ObjectNode m = s.putObject("metrics");
            m.set("kl_base_ft", Payloads.summary(300, name.equals("on-task") ? onKl : offKl));
            if (forgetting != null) {
                m.set("forgetting", Payloads.summary(300, name.equals("on-task") ? 0.01 : forgetting));
                m.set("accuracy_drop", Payloads.summary(300, 0.1));
            }
        }
        ObjectNode p = c.putObject("parameters");
        p.put("totalParameters", 1000);
        p.put("trainableParameters", 100);
        p.put("trainableFraction", 0.1);
        p.put("globalRelativeL2", l2);
        p.putArray("tensors");
        c.putObject("taskMetrics").put("validate_loss", loss);
        return c;
    }

    /** slope, intercept, R² of y on column x, by the covariance formulas. */
    private double[] independentFit(int x) {
        int n = points.size();
        double mx = points.stream().mapToDouble(p -> p[x]).average().orElseThrow();
        double my = points.stream().mapToDouble(p -> p[4]).average().orElseThrow();
        double cov = 0;
        double vx = 0;
        double vy = 0;
        for (double[] p : points) {
            cov += (p[x] - mx) * (p[4] - my);
            vx += (p[x] - mx) * (p[x] - mx);
            vy += (p[4] - my) * (p[4] - my);
        }
        double slope = cov / vx;
        return new double[] {slope, my - slope * mx, cov * cov / (vx * vy), n};
    }

    /**
     * The planned final step is a step: beyond a long (or beyond 2^53, where the forecast's band arithmetic
     * overflowed into steps before the last checkpoint) or not decimal, the run is a 400 naming it.
     */
    @Test
    void plannedStepsIsADecimalStepUpTo2To53AndItsForecastBandStaysInOrder() {
        OwnProject own = newProject("planned");
        for (String bad : new String[] {"9223372036854775807", "9007199254740992", "0", "-5", "0x10", "\uFF11\uFF10",
            "1e3", "ten", ""}) {
            ObjectNode body = Payloads.run("full", 1000, 1000);
            ((ObjectNode) body.get("config")).put(RunInfo.PLANNED_STEPS, bad);
            ApiClient.Answer a = own.api().putRun(own.key(), "r", body);
            assertThat(a.status()).as(bad + ": " + a.text()).isEqualTo(400);
            assertThat(a.text()).contains("plannedSteps must be a whole number from 1 to 9007199254740991");
        }
        long max = (1L << 53) - 1;
        ObjectNode body = Payloads.run("full", 1000, 1000);
        ((ObjectNode) body.get("config")).put(RunInfo.PLANNED_STEPS, Long.toString(max));
        assertThat(own.api().putRun(own.key(), "r", body).status()).isEqualTo(201);
        ObjectNode[] batch = new ObjectNode[8];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = Payloads.checkpoint((i + 1) * 100L, 0.01 * Math.sqrt(i + 1));
        }
        assertThat(own.api().postCheckpoints(own.key(), "r", Payloads.batch(batch)).status()).isEqualTo(200);
        ApiClient.Answer a = own.api().get("/api/v1/projects/" + own.key() + "/runs/r/forgetting");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonNode forecast = a.json().get("forecast");
        assertThat(forecast.get("plannedSteps").longValue()).isEqualTo(max);
        long previous = 800;
        for (JsonNode point : forecast.get("band")) {
            assertThat(point.get("step").longValue()).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(max);
            previous = point.get("step").longValue();
        }
        assertThat(previous).isEqualTo(max);
    }

    /**
     * Drift growing from 1e-300 to 1.7e308 (the forecast's law extrapolates past the largest double): no forecast,
     * saying why, where the answer had {@code "estimate": "Infinity"} in number fields.
     */
    @Test
    void aForecastBeyondTheLargestDoubleIsNoForecast() {
        ObjectNode[] batch = new ObjectNode[10];
        for (int i = 0; i < batch.length; i++) {
            double kl = Math.exp(Math.log(1e-300) + i * (Math.log(1.7e308) - Math.log(1e-300)) / (batch.length - 1));
            batch[i] = Payloads.checkpoint((i + 1) * 100L, kl);
            ObjectNode headline = (ObjectNode) batch[i].get("metrics").get("kl_base_ft");
            for (String statistic : new String[] {"mean", "p50", "p90", "p99", "max", "ciLow", "ciHigh"}) {
                headline.put(statistic, kl); // (the payload's spread around the mean would overflow)
            }
        }
        JsonNode forecast = forecastOf("beyond", 2000, batch);
        assertThat(forecast.get("atFinal").isNull()).as(forecast.toString()).isTrue();
        assertThat(forecast.get("band")).isEmpty();
        assertThat(forecast.get("missing").stringValue()).contains("largest");
    }

    /**
     * A run that ends at drift 0 (a backtest's actual value): the error relative to 0 is no number, and is null,
     * where the answer had {@code "relativeError": "Infinity"}.
     */
    @Test
    void aBacktestAgainstAFinalDriftOf0HasNoRelativeError() {
        ObjectNode[] batch = new ObjectNode[10];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = Payloads.checkpoint((i + 1) * 10L, i == batch.length - 1 ? 0 : 0.01 * Math.sqrt(i + 1));
        }
        JsonNode backtest = forecastOf("final0", 100, batch).get("backtest");
        assertThat(backtest).as(backtest.toString()).hasSize(1);
        assertThat(backtest.get(0).get("actual").doubleValue()).isZero();
        assertThat(backtest.get(0).get("relativeError").isNull()).isTrue();
        assertThat(backtest.get(0).get("estimate").isNumber()).isTrue();
    }

    /**
     * The forecast of a run of its own project with a planned final step, from its checkpoints; its answer has no
     * number that is not finite (Jackson writes those as the strings "NaN" and "Infinity").
     */
    private JsonNode forecastOf(String prefix, long plannedSteps, ObjectNode... checkpoints) {
        OwnProject own = newProject(prefix);
        ObjectNode body = Payloads.run("full", 1000, 1000);
        ((ObjectNode) body.get("config")).put(RunInfo.PLANNED_STEPS, Long.toString(plannedSteps));
        assertThat(own.api().putRun(own.key(), "r", body).status()).isEqualTo(201);
        ApiClient.Answer up = own.api().postCheckpoints(own.key(), "r", Payloads.batch(checkpoints));
        assertThat(up.status()).as(up.text()).isEqualTo(200);
        ApiClient.Answer a = own.api().get("/api/v1/projects/" + own.key() + "/runs/r/forgetting");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(a.text()).doesNotContain("NaN").doesNotContain("Infinity");
        return a.json().get("forecast");
    }

    private JsonNode get(String path) {
        ApiClient.Answer a = project.api().get("/api/v1/projects/" + project.key() + path);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return a.json();
    }

    @Test
    void theFitOfOffTaskForgettingOnDriftEqualsAnIndependentComputation() {
        JsonNode fit = get("/forgetting-fit?baseFingerprint=" + Payloads.FP_A + "&probeFingerprint=" + Payloads.FP_B);

        assertThat(fit.get("runs").intValue()).isEqualTo(3);
        assertThat(fit.get("points").intValue()).isEqualTo(3 * CHECKPOINTS);
        assertThat(fit.get("target").stringValue()).isEqualTo("forgetting on off-task slices");
        JsonNode best = fit.get("best");
        assertThat(best.get("metric").stringValue()).isEqualTo("kl_base_ft");
        assertThat(best.get("slice").stringValue()).isEqualTo("off-task/general");
        double[] expected = independentFit(0);
        assertThat(best.get("slope").doubleValue()).isCloseTo(expected[0], within(1e-9));
        assertThat(best.get("intercept").doubleValue()).isCloseTo(expected[1], within(1e-9));
        assertThat(best.get("r2").doubleValue()).isCloseTo(expected[2], within(1e-9));
        assertThat(best.get("r2Low").doubleValue()).isLessThan(expected[2]);
        assertThat(best.get("r2High").doubleValue()).isGreaterThan(expected[2]);
        // every other candidate explains less; JS (unrelated by construction) far less
        for (JsonNode c : fit.get("candidates")) {
            assertThat(c.get("r2").doubleValue()).isLessThanOrEqualTo(expected[2] + 1e-9);
            if (c.get("metric").stringValue().equals("js")) {
                assertThat(c.get("r2").doubleValue()).isCloseTo(independentFit(2)[2], within(1e-9)).isLessThan(0.3);
            }
        }
        assertThat(fit.get("parameterDrift").get("r2").doubleValue()).isCloseTo(independentFit(3)[2], within(1e-9));
        assertThat(fit.get("scatter")).hasSize(3 * CHECKPOINTS);
    }

    /**
     * One run's values near the end of the double range (valid: KL and forgetting of 1e307) made the group's
     * sums of squares overflow: the fit came out NaN, was ranked best (NaN sorts above every number) and every
     * comparable run's prediction became "NaN". Now such a fit is no fit, and the answers hold no NaN. Found
     * by an audit.
     */
    @Test
    void extremeValuesOfOneRunGiveNoFitRatherThanANanOne() {
        String base = "c".repeat(64);
        String probes = "d".repeat(64);
        String group = "?baseFingerprint=" + base + "&probeFingerprint=" + probes;
        for (String key : List.of("tame", "extreme", "unlabelled-x")) {
            ObjectNode body = Payloads.run("full", 1000, 1000);
            body.put("baseFingerprint", base);
            body.put("probeFingerprint", probes);
            assertThat(project.api().putRun(project.key(), key, body).status()).isEqualTo(201);
        }
        ObjectNode[] tame = new ObjectNode[5];
        for (int i = 0; i < tame.length; i++) {
            double kl = 0.1 * (i + 1);
            tame[i] = checkpoint(i + 1, kl, kl, kl, 0.02, 0.01, 0.2 * kl + 0.001 * i, 1.0);
        }
        assertThat(project.api().postCheckpoints(project.key(), "tame", Payloads.batch(tame)).status()).isEqualTo(200);
        assertThat(get("/forgetting-fit" + group).get("best").get("slope").isNumber()).isTrue();

        ApiClient.Answer extreme = project.api().postCheckpoints(project.key(), "extreme", Payloads.batch(
                checkpoint(1, 1e307, 1e307, 1e307, 0.02, 0.01, 1e307, 1.0),
                checkpoint(2, 5e306, 5e306, 5e306, 0.02, 0.01, 2e306, 1.0)));
        assertThat(extreme.status()).as(extreme.text()).isEqualTo(200);
        assertThat(project.api().postCheckpoints(project.key(), "unlabelled-x", Payloads.batch(
                checkpoint(1, 0.3, 0.3, 0.3, 0.02, 0.01, null, 1.0))).status()).isEqualTo(200);

        ApiClient.Answer fit = project.api().get("/api/v1/projects/" + project.key() + "/forgetting-fit" + group);
        ApiClient.Answer predicted = project.api().get("/api/v1/projects/" + project.key() + "/runs/unlabelled-x/forgetting");
        for (ApiClient.Answer a : List.of(fit, predicted)) {
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            assertThat(a.text()).doesNotContain("NaN").doesNotContain("Infinity");
        }
        assertThat(fit.json().get("best").isNull()).isTrue();
        assertThat(predicted.json().get("predicted").isNull()).isTrue();
    }

    @Test
    void aRunWithoutLabelsGetsItsForgettingPredictedWithAPredictionInterval() {
        JsonNode run = get("/runs/unlabelled/forgetting");

        assertThat(run.get("observed").isNull()).isTrue();
        JsonNode predicted = run.get("predicted");
        double[] fit = independentFit(0);
        assertThat(predicted.get("drift").doubleValue()).isCloseTo(unlabelledOffTaskKl, within(1e-12));
        double estimate = fit[1] + fit[0] * unlabelledOffTaskKl;
        assertThat(predicted.get("estimate").doubleValue()).isCloseTo(estimate, within(1e-9));
        // the prediction interval for a new run, written out here: the residual scatter plus the line's
        // uncertainty by the jackknife over the 3 runs (the line refitted without each), t with 3 - 1 df
        int n = points.size();
        double rss = points.stream().mapToDouble(p -> Math.pow(p[4] - fit[1] - fit[0] * p[0], 2)).sum();
        double[] left = new double[3];
        for (int g = 0; g < 3; g++) {
            int out = g;
            List<double[]> rest = points.stream().filter(p -> p[5] != out).toList();
            double mx = rest.stream().mapToDouble(p -> p[0]).average().orElseThrow();
            double my = rest.stream().mapToDouble(p -> p[4]).average().orElseThrow();
            double sxy = rest.stream().mapToDouble(p -> (p[0] - mx) * (p[4] - my)).sum();
            double sxx = rest.stream().mapToDouble(p -> (p[0] - mx) * (p[0] - mx)).sum();
            left[g] = my + sxy / sxx * (unlabelledOffTaskKl - mx);
        }
        double mean = (left[0] + left[1] + left[2]) / 3;
        double jackknife = 2.0 / 3 * java.util.Arrays.stream(left).map(v -> (v - mean) * (v - mean)).sum();
        double half = new org.apache.commons.math3.distribution.TDistribution(2).inverseCumulativeProbability(0.975)
                * Math.sqrt(rss / (n - 2) + jackknife);
        assertThat(predicted.get("low").doubleValue()).isCloseTo(estimate - half, within(1e-9));
        assertThat(predicted.get("high").doubleValue()).isCloseTo(estimate + half, within(1e-9));
    }

    @Test
    void labelledRunsReportObservedForgettingAForecastAndTheRecommendedCheckpoint() {
        JsonNode run = get("/runs/head/forgetting");

        assertThat(run.get("observed").get("step").longValue()).isEqualTo(PLANNED);
        assertThat(run.get("observed").get("accuracyDrop").doubleValue()).isCloseTo(0.1, within(1e-12));
        assertThat(run.get("predicted").isNull()).isTrue();
        JsonNode forecast = run.get("forecast");
        assertThat(forecast.get("plannedSteps").longValue()).isEqualTo(PLANNED);
        JsonNode atFinal = forecast.get("atFinal");
        assertThat(atFinal.get("low").doubleValue()).isLessThan(atFinal.get("estimate").doubleValue());
        assertThat(atFinal.get("high").doubleValue()).isGreaterThan(atFinal.get("estimate").doubleValue());
        // the run reached its planned step: the forecasts from 20% and 50% of it are checked
        assertThat(forecast.get("backtest")).hasSize(2);
        double finalKl = perRun.get(1).get(CHECKPOINTS - 1)[2];
        for (JsonNode b : forecast.get("backtest")) {
            assertThat(b.get("actual").doubleValue()).isCloseTo(finalKl, within(1e-12));
            assertThat(b.get("madeAtStep").longValue()).isLessThanOrEqualTo((long) (b.get("fraction").doubleValue()
                    * PLANNED));
            assertThat(b.get("law").stringValue()).isIn("power", "rational", "exponential");
        }
        assertThat(atFinal.get("law").stringValue()).isIn("power", "rational", "exponential");

        JsonNode rec = run.get("recommendation");
        assertThat(rec.get("budget").doubleValue()).isEqualTo(0.5);
        assertThat(rec.get("lossMetric").stringValue()).isEqualTo("validate_loss");
        double[] best = null;
        for (double[] c : perRun.get(1)) {
            if (c[3] <= 0.5 && (best == null || c[1] < best[1])) {
                best = c;
            }
        }
        assertThat(best).isNotNull();
        assertThat(rec.get("best").get("step").longValue()).isEqualTo((long) best[0]);
        assertThat(rec.get("pareto").size()).isPositive();
    }

    @Test
    void badFingerprintsAreA400NamingTheField() {
        ApiClient.Answer a = project.api().get("/api/v1/projects/" + project.key() + "/forgetting-fit?baseFingerprint=xyz"
                + "&probeFingerprint=" + Payloads.FP_B);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.text()).contains("baseFingerprint");
        assertThat(project.api().get("/api/v1/projects/" + project.key() + "/runs/nope/forgetting").status())
                .isEqualTo(404);
    }
}
