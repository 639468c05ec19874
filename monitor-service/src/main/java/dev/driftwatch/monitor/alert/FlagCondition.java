package dev.driftwatch.monitor.alert;

import java.util.List;

/** {@code flag}: the run is flagged parameter-heavy and drifts far at once. */
public record FlagCondition() implements Condition {

    static Condition read(ConditionReader in) {
        return new FlagCondition();
    }

    @Override
    public ConditionType type() {
        return ConditionType.FLAG;
    }

    @Override
    public ConditionSpec toSpec() {
        return new ConditionSpec(type().wireName(), null, null, null, null, null, null, null, null, null);
    }

    @Override
    public List<ConditionEvaluator.Observation> observe(MetricSource now, RunContext run) {
        ConditionEvaluator.RunFlags flags = run.flags();
        if (flags == null) {
            return List.of();
        }
        boolean holds = flags.parameterHeavy() && flags.driftsFar();
        return List.of(new ConditionEvaluator.Observation("", holds, null, "parameter-heavy "
                + flags.parameterHeavy() + ", drifts-far " + flags.driftsFar()));
    }

    @Override
    public String describe() {
        return "run flagged parameter-heavy and drifts-far";
    }
}
