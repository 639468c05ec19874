package dev.driftwatch.monitor.alert;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;

/**
 * {@code forecast}: a quantile of the run's forecast headline KL at its planned final step (by default
 * the lower bound of the forecast's 95% interval) is above a drift budget: the run is heading over the
 * budget, though its drift may still be below it. The forecast is the run page's (a power law, or a law
 * that levels off, fitted to the checkpoints so far, docs/forgetting.md), made at each checkpoint from the checkpoints up
 * to it ({@link DriftForecasts}). Without a forecast (the run states no {@code plannedSteps}, or has
 * fewer than 5 checkpoints with drift) the condition does not hold, and says why.
 *
 * @param threshold the drift budget, KL(base‖ft) in nats/token, > 0
 * @param quantile the quantile of the forecast compared with the budget, in (0, 1)
 */
public record ForecastCondition(
        @NotNull(message = BUDGET_RULE) @DecimalMin(value = "0", inclusive = false, message = BUDGET_RULE)
        Double threshold,
        @DecimalMin(value = "0", inclusive = false, message = QUANTILE_RULE)
        @DecimalMax(value = "1", inclusive = false, message = QUANTILE_RULE) double quantile) implements Condition {

    /** The default quantile: the lower bound of the forecast's central 95% interval. */
    public static final double LOWER_95 = 0.025;

    /**
     * A forecast rule's {@code keepFiringFor} when the rule does not say: the forecast moves with every
     * checkpoint, and its bound can dip below the budget for a checkpoint or two while the run is still
     * heading over it (without it, ForecastRuleTest's constant-drift run notified firing, resolved, firing).
     */
    public static final int KEEP_FIRING_FOR = 3;

    static final String BUDGET_RULE = "is required, the drift budget: a number > 0 (KL, nats/token)";
    static final String QUANTILE_RULE = "must be a number in (0, 1), the forecast's quantile compared with the"
            + " budget (default " + LOWER_95 + ", the lower bound of its 95% interval)";

    static Condition read(ConditionReader in) {
        return new ForecastCondition(in.threshold(false), in.quantile(LOWER_95));
    }

    @Override
    public ConditionType type() {
        return ConditionType.FORECAST;
    }

    @Override
    public ConditionSpec toSpec() {
        return new ConditionSpec(type().wireName(), null, null, null, null, threshold, null, null, null, quantile);
    }

    @Override
    public List<ConditionEvaluator.Observation> observe(MetricSource now, RunContext run) {
        if (now.summary(MetricNames.HEADLINE, null) == null) {
            return List.of(); // an invalid checkpoint, or one without the headline: alerts stay as they are
        }
        DriftForecasts.Outlook f = run.forecasts().upTo(now.step(), quantile);
        if (f.value() == null) {
            return List.of(new ConditionEvaluator.Observation("", false, null,
                    "no forecast at step " + now.step() + ": " + f.missing()));
        }
        boolean holds = f.value() > threshold;
        return List.of(new ConditionEvaluator.Observation("", holds, f.value(), String.format(Locale.ROOT,
                "forecast %s at the planned step %d: %s %s %s budget %s (median %s), from %d checkpoints up to step %d",
                MetricNames.HEADLINE, f.finalStep(), bound(), ConditionEvaluator.num(f.value()), holds ? ">" : "not >",
                ConditionEvaluator.num(threshold), ConditionEvaluator.num(f.median()), f.points(), f.lastStep())));
    }

    @Override
    public String describe() {
        return bound() + " of the forecast " + MetricNames.HEADLINE + " at the planned final step > "
                + ConditionEvaluator.num(threshold);
    }

    /** The quantile in words: {@code lower 95% bound} for 0.025, {@code median} for 0.5. */
    private String bound() {
        if (quantile == 0.5) {
            return "median";
        }
        BigDecimal central = BigDecimal.valueOf(100 * Math.abs(1 - 2 * quantile)).round(new MathContext(3));
        return (quantile < 0.5 ? "lower " : "upper ") + central.stripTrailingZeros().toPlainString() + "% bound";
    }
}
