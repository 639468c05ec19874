package dev.driftwatch.monitor.forgetting;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.driftwatch.monitor.forgetting.CheckpointRecommender.Point;
import dev.driftwatch.monitor.forgetting.PowerLawForecast.Forecast;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.monitor.run.Run;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * What drift means for forgetting (docs/forgetting.md), computed from the stored checkpoints:
 *
 * <ul>
 *   <li>{@link #fit}: over all checkpoints of comparable runs (same base and probe fingerprints) whose
 *       probes carry targets, off-task forgetting against every drift metric of every slice and against
 *       parameter drift; the best predictor by R²;
 *   <li>{@link #forRun}: a run's observed forgetting, or, without targets, its forgetting predicted from
 *       the fit; the forecast of its drift at the planned final step; the recommended checkpoint.
 * </ul>
 */
@Service
public class ForgettingService {

    /** The metric of forgetting: fine-tuned task loss minus base task loss, nats/token. */
    public static final String FORGETTING = "forgetting";
    /** The slice name standing for all probe examples. */
    public static final String ALL = "all";
    /** Interval level of fits, predictions and forecasts. */
    public static final double LEVEL = 0.95;
    /** Drift metrics tried as predictors of forgetting. */
    static final List<String> DRIFT_METRICS = List.of("kl_base_ft", "kl_ft_base", "js", "tv");
    /** The parameter-drift predictor. */
    static final String PARAMETER_DRIFT = "global_relative_l2";
    /** Most checkpoints of a group read for a fit (the latest ones). */
    static final int MAX_CHECKPOINTS = 20_000;
    /** Points of the forecast band drawn between the latest checkpoint and the planned final step. */
    static final int BAND_POINTS = 24;
    /** Fractions of training at which a finished run's forecast is checked against its final drift. */
    static final double[] BACKTEST_AT = {0.2, 0.5};

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;

    ForgettingService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A drift measure as a predictor of forgetting, with its fit.
     *
     * @param metric the drift metric (or {@value #PARAMETER_DRIFT})
     * @param slice the slice the drift is measured on ({@value #ALL} for every example), null for parameter drift
     * @param n points fitted
     * @param slope forgetting per unit of drift
     * @param intercept forgetting at zero drift
     * @param r2 R²
     * @param r2Low lower bound of R²'s 95% interval
     * @param r2High upper bound
     * @param residualSd residual standard deviation, nats/token
     * @param line the fit itself, for predictions (not on the wire)
     */
    public record Predictor(String metric, String slice, int n, double slope, double intercept, double r2,
            double r2Low, double r2High, double residualSd, @JsonIgnore LinearFit line) {

        static Predictor of(String metric, String slice, LinearFit fit) {
            LinearFit.Interval ci = fit.r2Interval(LEVEL);
            return new Predictor(metric, slice, fit.n(), fit.slope(), fit.intercept(), fit.r2(), ci.low(), ci.high(),
                    fit.residualSd(), fit);
        }
    }

    /**
     * One checkpoint in the drift-forgetting scatter.
     *
     * @param runKey the run
     * @param step the step
     * @param drift the best predictor's drift
     * @param parameterDrift the global relative L2 of the trainable weights, or null
     * @param forgetting the off-task forgetting
     */
    public record ScatterPoint(String runKey, long step, double drift, Double parameterDrift, double forgetting) {}

    /**
     * The drift-forgetting fit of a group of comparable runs.
     *
     * @param baseFingerprint the group's base
     * @param probeFingerprint the group's probe set
     * @param target what is predicted, e.g. {@code forgetting on off-task slices}
     * @param runs runs with forgetting measured
     * @param points checkpoints fitted
     * @param best the predictor with the highest R², or null with too few points
     * @param parameterDrift the fit against parameter drift on the same checkpoints, or null
     * @param candidates every predictor, best first
     * @param scatter the checkpoints, for the chart
     */
    public record GroupFit(String baseFingerprint, String probeFingerprint, String target, int runs, int points,
            Predictor best, Predictor parameterDrift, List<Predictor> candidates, List<ScatterPoint> scatter) {}

    /**
     * Forgetting measured at a run's latest labelled checkpoint.
     *
     * @param step the step
     * @param target what is measured
     * @param forgetting the forgetting, nats/token
     * @param low lower bound of its 95% interval
     * @param high upper bound
     * @param accuracyDrop base accuracy minus fine-tuned accuracy on the same slices, or null
     */
    public record Observed(long step, String target, double forgetting, double low, double high,
            Double accuracyDrop) {}

    /**
     * Forgetting predicted for a run whose probes carry no targets, from its group's fit.
     *
     * @param step the checkpoint predicted for (the latest)
     * @param metric the predictor's drift metric
     * @param slice the predictor's slice
     * @param drift the run's drift there
     * @param estimate the predicted forgetting, nats/token
     * @param low lower bound of the 95% prediction interval
     * @param high upper bound
     * @param r2 the fit's R²
     * @param points checkpoints the fit was made on
     */
    public record Predicted(long step, String metric, String slice, double drift, double estimate, double low,
            double high, double r2, int points) {}

    /**
     * A forecast made from the checkpoints up to a fraction of training, against the final drift.
     *
     * @param fraction of the planned steps
     * @param madeAtStep the latest step the forecast saw
     * @param estimate forecast final drift
     * @param low lower bound of its interval
     * @param high upper bound
     * @param actual the drift measured at the final step
     * @param relativeError {@code (estimate - actual) / actual}, or null where that is not a finite number (a final
     *     drift of 0, or an estimate so far above it that the ratio passes the largest double)
     * @param covered whether the interval held the actual value
     * @param informative whether the interval was narrow enough for its estimate to mean something
     *     ({@link PowerLawForecast#informative})
     * @param law the law with the most weight in that forecast (growing or levelling off)
     */
    public record Backtest(double fraction, long madeAtStep, double estimate, double low, double high, double actual,
            Double relativeError, boolean covered, boolean informative, PowerLawForecast.Law law) {}

    /**
     * The forecast of a run's headline drift.
     *
     * @param plannedSteps the planned final step
     * @param atFinal the forecast at the planned final step, or null: too few checkpoints, or a forecast that passes
     *     the largest double ({@link PowerLawForecast#at})
     * @param missing why {@code atFinal} is null, or null when it is not
     * @param band forecasts from the latest checkpoint to the planned final step, for the chart (empty without
     *     {@code atFinal})
     * @param backtest for a run that reached its final step, forecasts from 20% and 50% of training
     */
    public record ForecastView(long plannedSteps, Forecast atFinal, String missing, List<Forecast> band,
            List<Backtest> backtest) {}

    /**
     * The recommended checkpoint of a run.
     *
     * @param budget the drift budget (the project's KL threshold), nats/token
     * @param lossMetric the task loss compared ({@code validate_loss} when at least half the checkpoints
     *     have it, else {@code train_loss}); checkpoints without it are not candidates
     * @param best the checkpoint with the lowest loss whose KL interval upper bound is within the budget,
     *     or null when none is
     * @param pareto the loss-vs-drift Pareto front
     */
    public record RecommendationView(double budget, String lossMetric, Point best, List<Point> pareto) {}

    /**
     * Everything about forgetting for one run.
     *
     * @param runKey the run
     * @param observed measured forgetting, or null without targets
     * @param predicted predicted forgetting, or null when observed or no fit exists
     * @param forecast the drift forecast, or null when the run states no {@value RunInfo#PLANNED_STEPS}
     * @param recommendation the recommended checkpoint, or null without a task loss
     */
    public record RunForgetting(String runKey, Observed observed, Predicted predicted, ForecastView forecast,
            RecommendationView recommendation) {}

    /**
     * A group of comparable runs of a project.
     *
     * @param baseFingerprint the base
     * @param probeFingerprint the probe set
     * @param runs number of runs in it
     */
    public record ComparableGroup(String baseFingerprint, String probeFingerprint, long runs) {}

    /**
     * Lists a project's groups of comparable runs, largest first.
     *
     * @param projectId the project
     * @return the groups
     */
    @Transactional(readOnly = true)
    public List<ComparableGroup> comparableGroups(long projectId) {
        return jdbc.query("SELECT base_fingerprint, probe_fingerprint, count(*) FROM run WHERE project_id = ?"
                + " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
                (rs, n) -> new ComparableGroup(rs.getString(1), rs.getString(2), rs.getLong(3)), projectId);
    }

    /** The values of one checkpoint this service needs. */
    private record Row(String runKey, long step, Map<String, Double> drift, Double parameterDrift,
            Observed forgetting) {}

    /**
     * Fits forgetting against drift over a group of comparable runs.
     *
     * @param projectId the project
     * @param base the base fingerprint
     * @param probe the probe fingerprint
     * @return the fit; {@code best} is null with fewer than {@link LinearFit#MIN_POINTS} labelled checkpoints
     */
    @Transactional(readOnly = true)
    public GroupFit fit(long projectId, String base, String probe) {
        List<Row> rows = jdbc.query("""
                SELECT r.run_key, c.step, c.metrics, c.slices, c.global_relative_l2
                FROM run r JOIN checkpoint c ON c.run_id = r.id
                WHERE r.project_id = ? AND r.base_fingerprint = ? AND r.probe_fingerprint = ? AND c.valid
                  AND c.metrics -> 'forgetting' IS NOT NULL
                ORDER BY c.measured_at DESC LIMIT ?""",
                (rs, i) -> row(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        (Double) rs.getObject(5)),
                projectId, base, probe, MAX_CHECKPOINTS);
        rows.sort(Comparator.comparing(Row::runKey).thenComparingLong(Row::step));
        String target = rows.isEmpty() ? "forgetting" : rows.get(0).forgetting().target();
        Set<String> predictors = new LinkedHashSet<>();
        rows.forEach(r -> predictors.addAll(r.drift().keySet()));
        double[] y = rows.stream().mapToDouble(r -> r.forgetting().forgetting()).toArray();
        int[] runOf = runIndices(rows.stream().map(Row::runKey).toList());
        List<Predictor> candidates = new ArrayList<>();
        for (String key : predictors) {
            double[] x = rows.stream().mapToDouble(r -> r.drift().getOrDefault(key, Double.NaN)).toArray();
            LinearFit line = LinearFit.of(x, y, runOf);
            if (line != null) {
                String[] ms = key.split("@", 2);
                candidates.add(Predictor.of(ms[0], ms[1], line));
            }
        }
        // the best R^2 first; a NaN (which Double.compare puts above every number) last
        candidates.sort(Comparator.comparingDouble((Predictor c) -> Double.isNaN(c.r2()) ? Double.NEGATIVE_INFINITY
                : c.r2()).reversed());
        double[] px = rows.stream().mapToDouble(r -> r.parameterDrift() == null ? Double.NaN : r.parameterDrift())
                .toArray();
        LinearFit pl = LinearFit.of(px, y, runOf);
        Predictor best = candidates.isEmpty() ? null : candidates.get(0);
        List<ScatterPoint> scatter = new ArrayList<>();
        if (best != null) {
            String key = best.metric() + "@" + best.slice();
            for (Row r : rows) {
                Double d = r.drift().get(key);
                if (d != null) {
                    scatter.add(new ScatterPoint(r.runKey(), r.step(), d, r.parameterDrift(),
                            r.forgetting().forgetting()));
                }
            }
        }
        int runs = (int) rows.stream().map(Row::runKey).distinct().count();
        return new GroupFit(base, probe, target, runs, rows.size(), best,
                pl == null ? null : Predictor.of(PARAMETER_DRIFT, null, pl), candidates, scatter);
    }

    /**
     * Computes a run's observed or predicted forgetting, drift forecast and recommended checkpoint.
     *
     * @param run the run
     * @param budget the project's drift budget (KL, nats/token)
     * @return the analysis
     */
    @Transactional(readOnly = true)
    public RunForgetting forRun(Run run, double budget) {
        // the scalars of every checkpoint, the documents (metrics, slices) of the last one only: the run page
        // asks after every upload, and a long run's documents are most of its rows' bytes
        List<Object[]> checkpoints = jdbc.query("""
                SELECT step, kl_mean, kl_ci_high, train_loss, validate_loss
                FROM checkpoint WHERE run_id = ? AND valid ORDER BY step""",
                (rs, i) -> new Object[] {rs.getLong(1), rs.getObject(2), rs.getObject(3), rs.getObject(4),
                    rs.getObject(5)},
                run.getId());
        if (checkpoints.isEmpty()) {
            return new RunForgetting(run.getRunKey(), null, null, forecast(run, new long[0], new double[0]), null);
        }
        long lastStep = (Long) checkpoints.get(checkpoints.size() - 1)[0];
        Row latest = jdbc.queryForObject("""
                SELECT metrics, slices, global_relative_l2 FROM checkpoint WHERE run_id = ? AND step = ?""",
                (rs, i) -> row(run.getRunKey(), lastStep, rs.getString(1), rs.getString(2), (Double) rs.getObject(3)),
                run.getId(), lastStep);
        Observed observed = latest.forgetting();
        Predicted predicted = null;
        if (observed == null) {
            predicted = predict(run, latest);
        }
        long[] steps = new long[checkpoints.size()];
        double[] kl = new double[checkpoints.size()];
        List<Point> points = new ArrayList<>();
        // the validation loss when most checkpoints have one (a run's first checkpoint, before any
        // training, often has none); the checkpoints without the chosen loss are not candidates
        long withValidate = checkpoints.stream().filter(c -> c[4] != null).count();
        boolean useValidate = 2 * withValidate >= checkpoints.size();
        for (int i = 0; i < checkpoints.size(); i++) {
            Object[] c = checkpoints.get(i);
            steps[i] = (Long) c[0];
            kl[i] = c[1] == null ? Double.NaN : (Double) c[1];
            Double loss = (Double) (useValidate ? c[4] : c[3]);
            if (loss != null && c[1] != null && c[2] != null) {
                points.add(new Point(steps[i], loss, kl[i], (Double) c[2]));
            }
        }
        RecommendationView recommendation = null;
        if (!points.isEmpty()) {
            CheckpointRecommender.Recommendation r = CheckpointRecommender.recommend(points, budget);
            recommendation = new RecommendationView(budget, useValidate ? "validate_loss" : "train_loss", r.best(),
                    r.pareto());
        }
        return new RunForgetting(run.getRunKey(), observed, predicted, forecast(run, steps, kl), recommendation);
    }

    /**
     * Forecasts a run's headline drift at its planned final step.
     *
     * @param run the run, whose config may state {@value RunInfo#PLANNED_STEPS}
     * @param steps its checkpoints' steps, ascending
     * @param kl their headline KL means
     * @return the forecast, or null when the run states no planned final step
     */
    public ForecastView forecast(Run run, long[] steps, double[] kl) {
        Long planned = plannedSteps(run);
        if (planned == null) {
            return null;
        }
        long lastStep = steps.length == 0 ? 0 : steps[steps.length - 1];
        Projection projection = project(planned, steps, kl);
        PowerLawForecast law = projection.law();
        long horizon = projection.horizon();
        Forecast atFinal = law == null ? null : law.at(horizon);
        String missing = law == null ? projection.missing() : atFinal == null ? PowerLawForecast.BEYOND_DOUBLES : null;
        List<Forecast> band = new ArrayList<>();
        if (atFinal != null && horizon > lastStep) {
            long previous = -1;
            for (int k = 0; k <= BAND_POINTS; k++) {
                long step = lastStep + (horizon - lastStep) * k / BAND_POINTS;
                Forecast point = step == previous ? null : law.at(step);
                if (point != null) {
                    band.add(point);
                }
                previous = step;
            }
        }
        List<Backtest> backtest = new ArrayList<>();
        if (lastStep >= planned && steps.length > 0 && Double.isFinite(kl[kl.length - 1])) {
            double actual = kl[kl.length - 1];
            for (double fraction : BACKTEST_AT) {
                int upTo = 0;
                while (upTo < steps.length && steps[upTo] <= fraction * planned) {
                    upTo++;
                }
                Forecast early = PowerLawForecast.of(java.util.Arrays.copyOf(steps, upTo),
                        java.util.Arrays.copyOf(kl, upTo), lastStep, LEVEL);
                if (early != null) {
                    double relativeError = (early.estimate() - actual) / actual;
                    backtest.add(new Backtest(fraction, early.lastStep(), early.estimate(), early.low(), early.high(),
                            actual, Double.isFinite(relativeError) ? relativeError : null,
                            early.low() <= actual && actual <= early.high(), early.informative(), early.law()));
                }
            }
        }
        return new ForecastView(planned, atFinal, missing, band, backtest);
    }

    /**
     * A run's headline-drift law fitted to its checkpoints, and the step it forecasts.
     *
     * @param law the law, or null with too few usable checkpoints
     * @param horizon the planned final step, or the latest checkpoint's once the run went past it
     * @param missing why there is no law, or null when there is one
     */
    record Projection(PowerLawForecast law, long horizon, String missing) {}

    /**
     * Fits the law to a run's checkpoints so far: the one way a forecast is made, for the run page
     * ({@link #forecast}) and for the {@code forecast} alert rule ({@link AlertForecasts}).
     *
     * @param planned the planned final step
     * @param steps the checkpoints' steps, ascending
     * @param kl their headline KL means
     * @return the law and the step to forecast
     */
    static Projection project(long planned, long[] steps, double[] kl) {
        long lastStep = steps.length == 0 ? 0 : steps[steps.length - 1];
        long horizon = Math.max(planned, lastStep);
        PowerLawForecast law = PowerLawForecast.fit(steps, kl, horizon, LEVEL);
        return new Projection(law, horizon, law != null ? null : PowerLawForecast.usablePoints(steps, kl)
                + " checkpoints with drift so far, a forecast needs " + PowerLawForecast.MIN_POINTS);
    }

    /**
     * A run's planned final step and its headline-drift trajectory.
     *
     * @param plannedSteps the planned final step, or null when the run states none
     * @param steps the valid checkpoints' steps, ascending
     * @param kl their headline KL means (NaN where missing)
     */
    record Trajectory(Long plannedSteps, long[] steps, double[] kl) {}

    /**
     * Reads a run's trajectory, in the caller's transaction (the alert evaluator's: the upload's own
     * checkpoints included).
     *
     * @param runId the run
     * @return its planned final step and trajectory
     */
    Trajectory trajectory(long runId) {
        List<String> config = jdbc.queryForList("SELECT config FROM run WHERE id = ?", String.class, runId);
        Long planned = config.isEmpty() ? null : plannedSteps(config.get(0));
        List<Object[]> rows = jdbc.query("SELECT step, kl_mean FROM checkpoint WHERE run_id = ? AND valid ORDER BY step",
                (rs, i) -> new Object[] {rs.getLong(1), rs.getObject(2)}, runId);
        long[] steps = new long[rows.size()];
        double[] kl = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            steps[i] = (Long) rows.get(i)[0];
            kl[i] = rows.get(i)[1] == null ? Double.NaN : ((Number) rows.get(i)[1]).doubleValue();
        }
        return new Trajectory(planned, steps, kl);
    }

    /**
     * Returns the planned final step a run states in its config.
     *
     * @param run the run
     * @return the step, or null when absent or not a positive whole number
     */
    public static Long plannedSteps(Run run) {
        return plannedSteps(run.getConfigJson());
    }

    private static Long plannedSteps(String configJson) {
        if (configJson == null) {
            return null;
        }
        JsonNode v = JSON.readTree(configJson).get(RunInfo.PLANNED_STEPS);
        return v == null ? null : RunInfo.plannedSteps(v.asString()); // (ingestion refuses others; older rows)
    }

    private Predicted predict(Run run, Row latest) {
        GroupFit group = fit(run.getProject().getId(), run.getBaseFingerprint(), run.getProbeFingerprint());
        if (group.best() == null) {
            return null;
        }
        String key = group.best().metric() + "@" + group.best().slice();
        Double x = latest.drift().get(key);
        if (x == null) {
            return null;
        }
        LinearFit.Prediction p = group.best().line().predict(x, LEVEL);
        if (p == null) {
            return null; // the fit rests on a single run
        }
        return new Predicted(latest.step(), group.best().metric(), group.best().slice(), x, p.estimate(), p.low(),
                p.high(), group.best().r2(), group.best().n());
    }

    /** Each point's run as an int, equal for equal run keys. */
    private static int[] runIndices(List<String> runKeys) {
        Map<String, Integer> index = new HashMap<>();
        return runKeys.stream().mapToInt(k -> index.computeIfAbsent(k, u -> index.size())).toArray();
    }

    /** Reads a checkpoint's drift means per metric and slice, and its off-task forgetting. */
    private static Row row(String runKey, long step, String metricsJson, String slicesJson, Double parameterDrift) {
        Map<String, Double> drift = new LinkedHashMap<>();
        JsonNode metrics = JSON.readTree(metricsJson);
        for (String m : DRIFT_METRICS) {
            JsonNode s = metrics.get(m);
            if (s != null) {
                drift.put(m + "@" + ALL, s.get(1).asDouble());
            }
        }
        // forgetting on the off-task slices, weighted by their sizes; the interval combines the
        // slices' intervals as independent normal ones
        double sum = 0;
        double variance = 0;
        double drop = 0;
        boolean hasDrop = true;
        long count = 0; // each slice's count is an int; their sum need not be
        Set<String> seen = new HashSet<>();
        List<double[]> off = new ArrayList<>();
        for (JsonNode slice : JSON.readTree(slicesJson)) {
            String name = slice.get("slice").asString();
            JsonNode sm = slice.get("metrics");
            for (String m : DRIFT_METRICS) {
                JsonNode s = sm.get(m);
                if (s != null && seen.add(m + "@" + name)) {
                    drift.put(m + "@" + name, s.get(1).asDouble());
                }
            }
            JsonNode f = sm.get(FORGETTING);
            if (name.startsWith("off-task") && f != null) {
                int n = slice.get("count").asInt();
                JsonNode d = sm.get("accuracy_drop");
                off.add(new double[] {n, f.get(1).asDouble(), f.get(6).asDouble(), f.get(7).asDouble(),
                    d == null ? Double.NaN : d.get(1).asDouble()});
                count += n;
            }
        }
        Observed forgetting = null;
        if (count > 0) {
            for (double[] o : off) {
                double w = o[0] / count;
                sum += w * o[1];
                double se = (o[3] - o[2]) / (2 * 1.959964);
                variance += w * w * se * se;
                drop += w * o[4];
                hasDrop &= !Double.isNaN(o[4]);
            }
            double half = 1.959964 * Math.sqrt(variance);
            forgetting = new Observed(step, "forgetting on off-task slices", sum, sum - half, sum + half,
                    hasDrop ? drop : null);
        } else if (metrics.get(FORGETTING) != null) {
            JsonNode f = metrics.get(FORGETTING);
            JsonNode d = metrics.get("accuracy_drop");
            forgetting = new Observed(step, "forgetting on all probes", f.get(1).asDouble(), f.get(6).asDouble(),
                    f.get(7).asDouble(), d == null ? null : d.get(1).asDouble());
        }
        return new Row(runKey, step, drift, parameterDrift, forgetting);
    }
}
