package dev.driftwatch.examples.demo;

import dev.driftwatch.harness.ApiClient;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Prints what the service makes of forgetting after the demo's runs (docs/forgetting.md): the fit of
 * off-task forgetting against drift across the comparable runs (R² with its interval, against
 * parameter drift's), each run's drift forecast made at 20% and 50% of training against its final
 * drift, and each run's recommended checkpoint.
 */
final class DemoForgetting {

    /** Below this many comparable runs the fit's intervals are wide (as the compare page notes). */
    private static final int FEW_RUNS = 6;

    private DemoForgetting() {}

    /**
     * Prints the report; a service that cannot answer is reported in one line, never thrown.
     *
     * @param api the service
     * @param results the demo's runs
     * @param out where to print
     */
    static void print(ApiClient api, List<RunResult> results, PrintStream out) {
        try {
            report(api, results, out);
        } catch (IllegalStateException e) {
            out.println("Forgetting report unavailable: " + e.getMessage());
        }
    }

    private static void report(ApiClient api, List<RunResult> results, PrintStream out) {
        // one fit per group of comparable runs (the image demo's and the LM demo's)
        Map<String, List<RunResult>> groups = new LinkedHashMap<>();
        for (RunResult r : results) {
            Optional<Map<String, Object>> run = api.run(r.runKey());
            if (run.isPresent()) {
                groups.computeIfAbsent("baseFingerprint=" + run.get().get("baseFingerprint") + "&probeFingerprint="
                        + run.get().get("probeFingerprint"), k -> new ArrayList<>()).add(r);
            }
        }
        out.println("\nDrift and forgetting (docs/forgetting.md):");
        for (Map.Entry<String, List<RunResult>> group : groups.entrySet()) {
            Map<String, Object> fit = api.getInProject("/forgetting-fit?" + group.getKey())
                    .require("read the forgetting fit");
            List<RunResult> runs = group.getValue();
            out.println("  runs " + String.join(", ", runs.stream().map(RunResult::runKey).toList()) + ":");
            if (fit.get("best") instanceof Map<?, ?> best) {
                out.printf(Locale.ROOT, "  %s ~ %.4f + %.4f x %s on %s: R^2 %.3f [95%% CI %.3f, %.3f],"
                        + " residual SD %.4f, over %s checkpoints of %s runs%n", fit.get("target"),
                        num(best.get("intercept")), num(best.get("slope")), best.get("metric"), best.get("slice"),
                        num(best.get("r2")), num(best.get("r2Low")), num(best.get("r2High")),
                        num(best.get("residualSd")), fit.get("points"), fit.get("runs"));
                if (fit.get("parameterDrift") instanceof Map<?, ?> p) {
                    out.printf(Locale.ROOT, "  parameter drift (global relative L2) on the same checkpoints: R^2 %.3f"
                            + " [%.3f, %.3f]%n", num(p.get("r2")), num(p.get("r2Low")), num(p.get("r2High")));
                }
                if (fit.get("runs") instanceof Number n && n.intValue() < FEW_RUNS) {
                    // as the compare page says it: an interval of [0, 1] here is no fault
                    out.printf(Locale.ROOT, "  (the intervals count runs, not checkpoints: from %d runs they are wide,"
                            + " and every further comparable run narrows them)%n", n.intValue());
                }
            } else {
                out.println("  too few labelled checkpoints for a fit");
            }
            for (RunResult r : runs) {
                printRun(api, r, out);
            }
        }
    }

    private static void printRun(ApiClient api, RunResult r, PrintStream out) {
        ApiClient.Answer a = api.getInProject("/runs/" + r.runKey() + "/forgetting");
        if (!a.ok()) {
            out.println("  " + r.runKey() + ": HTTP " + a.status());
            return;
        }
        Map<String, Object> f = a.body();
        StringBuilder forecast = new StringBuilder();
        double actual = Double.NaN;
        if (f.get("forecast") instanceof Map<?, ?> fc) {
            for (Object o : ApiClient.list(cast(fc), "backtest")) {
                Map<?, ?> b = (Map<?, ?>) o;
                actual = num(b.get("actual"));
                // the interval too: from a few early checkpoints that laws growing and levelling off fit alike it
                // spans orders of magnitude (informative: false), and the estimate alone would say more than the forecast knows
                boolean informative = Boolean.TRUE.equals(b.get("informative"));
                // the law the forecast leaned on: a run whose drift levels off (most adapter runs) or keeps growing
                String law = "power".equals(b.get("law")) ? "growing" : "levelling off";
                forecast.append(String.format(Locale.ROOT, "%s from %.0f%% %s (95%% interval %.3g-%.3g%s, error %+.0f%%%s, %s)",
                        forecast.length() == 0 ? "" : ",", 100 * num(b.get("fraction")),
                        informative ? String.format(Locale.ROOT, "%.3g", num(b.get("estimate"))) : "too uncertain",
                        num(b.get("low")), num(b.get("high")),
                        informative ? "" : String.format(Locale.ROOT, ", median %.3g", num(b.get("estimate"))),
                        100 * num(b.get("relativeError")), Boolean.TRUE.equals(b.get("covered")) ? "" : ", missed", law));
            }
        }
        String recommended = "none within the budget";
        if (f.get("recommendation") instanceof Map<?, ?> rec && rec.get("best") instanceof Map<?, ?> best) {
            recommended = String.format(Locale.ROOT, "step %s (%s %.3f, KL %.3f <= budget %.2f)", best.get("step"),
                    rec.get("lossMetric"), num(best.get("loss")), num(best.get("drift")), num(rec.get("budget")));
        }
        if (Double.isNaN(actual) && r.headline() != null) {
            actual = r.headline().mean();
        }
        out.printf(Locale.ROOT, "  %s: final KL %s; forecast%s%n", r.runKey(),
                Double.isNaN(actual) ? "-" : String.format(Locale.ROOT, "%.3f", actual),
                // no backtest: the run had too few checkpoints with drift by 20% and 50% of its steps for the law's fit
                forecast.length() == 0 ? ": - (too few checkpoints by 20% and 50% of training)" : forecast);
        out.printf(Locale.ROOT, "    recommended checkpoint: %s%n", recommended);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
